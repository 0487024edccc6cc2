import type { ComponentChildren } from 'preact';

interface SubmitButtonProps {
  busy: boolean;
  busyText: string;
  children: ComponentChildren;
  /** A real `disabled` for when the form can't be sent at all (explain why in the element named by describedBy). */
  disabled?: boolean;
  describedBy?: string;
  testId?: string;
  /** As wide as its container (the default). */
  block?: boolean;
}

/**
 * The label never changes while busy, so the button keeps its accessible name; it is marked
 * aria-disabled rather than disabled so focus stays on it, and the form ignores repeat submits.
 */
export function SubmitButton({ busy, busyText, children, disabled, describedBy, testId, block = true }: SubmitButtonProps) {
  return (
    <>
      <button
        type="submit"
        class={block ? 'btn btn-primary btn-block' : 'btn btn-primary'}
        disabled={disabled}
        aria-disabled={busy ? 'true' : undefined}
        aria-busy={busy ? 'true' : undefined}
        aria-describedby={describedBy}
        data-testid={testId}
      >
        {busy && <span class="spinner" aria-hidden="true" />}
        {children}
      </button>
      <p class="visually-hidden" role="status">
        {busy ? busyText : ''}
      </p>
    </>
  );
}
