import type { ComponentChildren } from 'preact';

/** A form-level message; role=alert makes screen readers announce it as soon as it appears. */
export function FormAlert({ message, children }: { message: string | null; children?: ComponentChildren }) {
  if (!message) return null;
  return (
    <div class="alert alert-error" role="alert">
      <p>{message}</p>
      {children}
    </div>
  );
}
