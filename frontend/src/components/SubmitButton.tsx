import type { ComponentChildren } from 'preact';

/**
 * The label never changes while busy, so the button keeps its accessible name; it is marked
 * aria-disabled rather than disabled so focus stays on it, and the form ignores repeat submits.
 */
export function SubmitButton({ busy, busyText, children }: { busy: boolean; busyText: string; children: ComponentChildren }) {
  return (
    <>
      <button type="submit" class="btn btn-primary btn-block" aria-disabled={busy ? 'true' : undefined} aria-busy={busy ? 'true' : undefined}>
        {busy && <span class="spinner" aria-hidden="true" />}
        {children}
      </button>
      <p class="visually-hidden" role="status">
        {busy ? busyText : ''}
      </p>
    </>
  );
}
