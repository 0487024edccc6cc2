import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export type FieldErrors = Record<string, string>;

export interface FormErrors {
  fields: FieldErrors;
  form: string | null;
}

const NO_ERRORS: FormErrors = { fields: {}, form: null };

/**
 * Turn a failure into messages: beside the field the API names when this form has it, else for the whole form.
 * `aliases` maps an API field name to this form's, e.g. { password: 'new_password' }.
 */
export function describeError(error: unknown, fieldNames: readonly string[], aliases: Readonly<Record<string, string>> = {}): FormErrors {
  if (!(error instanceof ApiError)) return { fields: {}, form: 'Something went wrong. Please try again.' };
  let message = error.message;
  if (error.status === 429 && error.retryAfterSeconds !== undefined) {
    message = `${message.replace(/\s*$/, '')} Please try again in ${error.retryAfterSeconds} s.`;
  }
  // A field inside a list or an object ("events[0]", "outpaint.left") belongs to the input of its root field.
  const named = error.field ? [error.field, error.field.split(/[.[]/)[0]] : [];
  const field = named.map((name) => aliases[name] ?? name).find((name) => fieldNames.includes(name));
  if (field) return { fields: { [field]: message }, form: null };
  return { fields: {}, form: message };
}

/**
 * State for a form that talks to the API: whether a request is running, and the errors to show.
 * After errors appear, focus moves to the first invalid field so keyboard users land on it.
 */
export function useFormSubmit(fieldNames: readonly string[], aliases?: Readonly<Record<string, string>>) {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const formRef = useRef<HTMLFormElement>(null);
  const running = useRef(false);

  useEffect(() => {
    if (Object.keys(errors.fields).length === 0) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  const run = useCallback(
    async (validate: () => FieldErrors, action: () => Promise<void>) => {
      if (running.current) return;
      const invalid = validate();
      if (Object.keys(invalid).length > 0) {
        setErrors({ fields: invalid, form: null });
        return;
      }
      running.current = true;
      setBusy(true);
      setErrors(NO_ERRORS);
      try {
        await action();
      } catch (error) {
        setErrors(describeError(error, fieldNames, aliases));
      } finally {
        running.current = false;
        setBusy(false);
      }
    },
    [fieldNames, aliases],
  );

  const clear = useCallback(() => setErrors(NO_ERRORS), []);

  return { busy, errors, run, clear, formRef };
}

export function requireFilled(values: Record<string, string>, labels: Record<string, string>): FieldErrors {
  const missing: FieldErrors = {};
  for (const [name, label] of Object.entries(labels)) {
    if (!values[name]?.trim()) missing[name] = `Enter your ${label.toLowerCase()}.`;
  }
  return missing;
}
