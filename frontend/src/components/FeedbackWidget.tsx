import type { ComponentType } from 'preact';
import { useState } from 'preact/hooks';
import './FeedbackWidget.css';

type Dialog = ComponentType<{ open: boolean; onClose: () => void }>;

/** The feedback button on every page; what is sent is tagged with the page (and the user, when signed in). The
 * dialog and its form load on the first click, so a page carries only this button. */
export function FeedbackWidget() {
  const [open, setOpen] = useState(false);
  const [FeedbackDialog, setDialog] = useState<Dialog | null>(null);

  function show() {
    if (FeedbackDialog) {
      setOpen(true);
      return;
    }
    import('./FeedbackDialog').then(
      (module) => {
        setDialog(() => module.FeedbackDialog);
        setOpen(true);
      },
      () => location.assign('/contact'), // the chunk could not load (offline, or a new release): the form still works
    );
  }

  return (
    <>
      <button type="button" class="btn btn-secondary btn-small" data-testid="feedback-button" onClick={show}>
        Feedback
      </button>
      {FeedbackDialog && <FeedbackDialog open={open} onClose={() => setOpen(false)} />}
    </>
  );
}
