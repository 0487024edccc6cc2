import type { ComponentChildren, RefObject } from 'preact';
import { useModalDialog } from './useModalDialog';
import './ConfirmDialog.css';

interface FormDialogProps {
  open: boolean;
  /** Unique on the page: the dialog's title and body are named from it. */
  id: string;
  title: string;
  submitLabel: string;
  busy?: boolean;
  error?: string | null;
  onSubmit: () => void;
  onCancel: () => void;
  children: ComponentChildren;
  /** What to focus on opening, e.g. the first field. */
  initialFocus?: RefObject<HTMLElement | null>;
}

/**
 * A modal <dialog> holding a small form: focus goes to the first field (or Cancel), stays inside while open,
 * Escape or the backdrop cancels, and focus returns to whatever opened it.
 */
export function FormDialog({ open, id, title, submitLabel, busy, error, onSubmit, onCancel, children, initialFocus }: FormDialogProps) {
  const { dialog, cancel } = useModalDialog(open, initialFocus);

  return (
    <dialog
      ref={dialog}
      class="confirm-dialog"
      aria-labelledby={`${id}-title`}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
      onClick={(event) => {
        if (event.target === dialog.current && !busy) onCancel();
      }}
      data-testid={id}
    >
      <form
        class="confirm-content"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          if (!busy) onSubmit();
        }}
      >
        <h2 id={`${id}-title`}>{title}</h2>
        {children}
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
        <div class="confirm-actions">
          <button ref={cancel} type="button" class="btn btn-secondary" onClick={() => !busy && onCancel()}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" aria-disabled={busy ? 'true' : undefined} aria-busy={busy ? 'true' : undefined}>
            {busy && <span class="spinner" aria-hidden="true" />}
            {submitLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
