import type { ComponentChildren, RefObject } from 'preact';
import { useModalDialog } from './useModalDialog';
import './ConfirmDialog.css';

interface ConfirmDialogProps {
  open: boolean;
  title: string;
  confirmLabel: string;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ComponentChildren;
  testId?: string;
  /** What to focus on opening instead of Cancel, e.g. a password to type first. */
  initialFocus?: RefObject<HTMLElement | null>;
}

/**
 * A modal <dialog> asking to confirm something destructive. It opens with focus on Cancel (the safe
 * choice) unless told otherwise, keeps focus inside while open (showModal), closes on Escape, and gives focus back to
 * whatever opened it.
 */
export function ConfirmDialog({ open, title, confirmLabel, busy, error, onConfirm, onCancel, children, testId, initialFocus }: ConfirmDialogProps) {
  const { dialog, cancel } = useModalDialog(open, initialFocus);

  function handleCancel(event: Event) {
    event.preventDefault(); // Escape: let the owner decide, so the state stays in step.
    if (!busy) onCancel();
  }

  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby="confirm-title"
      aria-describedby={children ? 'confirm-body' : undefined}
      onCancel={handleCancel}
      onClick={(event) => {
        // A click on the backdrop (outside the content box) cancels.
        if (event.target === dialog.current && !busy) onCancel();
      }}
      data-testid={testId}
    >
      <div class="confirm-content">
        <h2 id="confirm-title">{title}</h2>
        {children && <div id="confirm-body">{children}</div>}
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
        <div class="confirm-actions">
          <button ref={cancel} type="button" class="btn btn-secondary" onClick={() => !busy && onCancel()}>
            Cancel
          </button>
          <button
            type="button"
            class="btn btn-danger"
            onClick={() => !busy && onConfirm()}
            aria-disabled={busy ? 'true' : undefined}
            aria-busy={busy ? 'true' : undefined}
          >
            {busy && <span class="spinner" aria-hidden="true" />}
            {confirmLabel}
          </button>
        </div>
      </div>
    </dialog>
  );
}
