import type { ComponentChildren, Ref } from 'preact';

interface FieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  type?: 'text' | 'email' | 'password' | 'number' | 'date';
  autoComplete?: string;
  hint?: string;
  error?: string;
  required?: boolean;
  inputRef?: Ref<HTMLInputElement>;
  /** For type=number. */
  min?: number;
  max?: number;
  step?: number;
  /** Makes it a multi-line text box of this many rows. */
  rows?: number;
  maxLength?: number;
  /** Overrides the keyboard a phone shows, e.g. 'numeric' for a one-time code. */
  inputMode?: 'text' | 'numeric';
  /** Shown under the input, e.g. what an amount buys. */
  children?: ComponentChildren;
  /** Shown under the error, e.g. advice on a weak password; `afterId` names it for aria-describedby. */
  after?: ComponentChildren;
  afterId?: string;
}

export function Field(props: FieldProps) {
  const { id, label, value, onValue, type = 'text', autoComplete, hint, error, required, inputRef, min, max, step, inputMode } = props;
  const { children, after, afterId, rows, maxLength } = props;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId, after ? afterId : undefined].filter(Boolean).join(' ') || undefined;
  const shared = {
    id,
    name: id,
    value,
    maxLength,
    required,
    onInput: (event: Event) => onValue((event.currentTarget as HTMLInputElement | HTMLTextAreaElement).value),
    'aria-required': required ? ('true' as const) : undefined,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': describedBy,
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {hint && (
        <p id={hintId} class="field-hint">
          {hint}
        </p>
      )}
      {rows ? (
        <textarea {...shared} rows={rows} />
      ) : (
        <input
          {...shared}
          ref={inputRef}
          // Preact's typings tie `type` to per-type attribute sets; these types share the ones used here.
          type={type as 'text'}
          autoComplete={autoComplete}
          min={min}
          max={max}
          step={step}
          inputMode={inputMode ?? (type === 'number' ? 'numeric' : undefined)}
          spellcheck={type === 'text' ? undefined : false}
          autoCapitalize={type === 'text' ? undefined : 'none'}
        />
      )}
      {children}
      {error && (
        <p id={errorId} class="field-error">
          {error}
        </p>
      )}
      {after}
    </div>
  );
}
