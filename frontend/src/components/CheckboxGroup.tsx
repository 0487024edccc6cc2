import type { ComponentChildren } from 'preact';

interface CheckboxGroupProps<T extends string> {
  /** Prefixes each checkbox's id and names the error line. */
  id: string;
  legend: string;
  options: readonly { id: T; label: ComponentChildren }[];
  value: readonly T[];
  /** The checked ids, in the options' order. */
  onValue: (value: T[]) => void;
  error?: string;
}

/** Checkboxes for several of a few choices, in a fieldset whose legend names them and whose error describes them. */
export function CheckboxGroup<T extends string>({ id, legend, options, value, onValue, error }: CheckboxGroupProps<T>) {
  const errorId = `${id}-error`;
  return (
    <fieldset class="field" aria-describedby={error ? errorId : undefined}>
      <legend>{legend}</legend>
      {options.map((option) => (
        <div class="field checkbox-field" key={option.id}>
          <input
            id={`${id}-${option.id}`}
            type="checkbox"
            checked={value.includes(option.id)}
            onChange={(event) => {
              const on = event.currentTarget.checked;
              onValue(options.map((o) => o.id).filter((item) => (item === option.id ? on : value.includes(item))));
            }}
          />
          <label for={`${id}-${option.id}`}>{option.label}</label>
        </div>
      ))}
      {error && (
        <p id={errorId} class="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
