import type { ComponentChildren } from 'preact';

/** What every group of native radios drawn as chips or cards takes. */
export interface RadioGroupProps {
  /** The radio group's name; ids derive from it. */
  id: string;
  legend: string;
  value: string;
  onValue: (value: string) => void;
  error?: string;
  hint?: string;
  testId?: string;
  children?: ComponentChildren;
}

/** The id of one radio of a group, safe whatever the value holds. */
export function radioId(group: string, value: string, empty = ''): string {
  return `${group}-${value.replace(/[^a-zA-Z0-9_-]/g, '-') || empty}`;
}

/** The id of the group's error line, for its radios to be described by; undefined without an error. */
export function groupErrorId(group: string, error?: string): string | undefined {
  return error ? `${group}-error` : undefined;
}

interface RadioFieldsetProps extends Omit<RadioGroupProps, 'value' | 'onValue'> {
  /** chip-field or card-field: how the group is laid out. */
  className: string;
  /** The radios themselves, then what follows them before the children (hints of disabled choices). */
  radios: ComponentChildren;
  after?: ComponentChildren;
}

/** The fieldset around a group of radios: its legend names the group, its hint and error describe it. */
export function RadioFieldset({ id, legend, error, hint, testId, className, radios, after, children }: RadioFieldsetProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = groupErrorId(id, error);
  return (
    <fieldset class={className} data-testid={testId} aria-describedby={[hintId, errorId].filter(Boolean).join(' ') || undefined}>
      <legend>{legend}</legend>
      {hint && (
        <p id={hintId} class="field-hint">
          {hint}
        </p>
      )}
      {radios}
      {after}
      {children}
      {error && (
        <p id={errorId} class="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
