import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api';
import { describeError } from '../forms';
import { FormDialog } from './FormDialog';
import { Field } from './Field';

const RATINGS = [1, 2, 3, 4, 5] as const;

/** What the feedback button opens: a message and an optional rating, sent with the page it came from. */
export function FeedbackDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { path } = useLocation();
  const [message, setMessage] = useState('');
  const [rating, setRating] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);

  async function submit() {
    if (!message.trim()) {
      setError('Write a few words first.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.sendFeedback({ page: path.slice(0, 300) || '/', message: message.trim(), ...(rating ? { rating } : {}) });
      setSent(true);
      setMessage('');
      setRating(null);
    } catch (failure) {
      setError(describeError(failure, []).form ?? 'Not sent. Please try again.');
    } finally {
      setBusy(false);
    }
  }

  function close() {
    setSent(false);
    setError(null);
    onClose();
  }

  return (
    <FormDialog
      open={open}
      id="feedback-dialog"
      title="Send feedback"
      submitLabel={sent ? 'Send more' : 'Send feedback'}
      busy={busy}
      error={error}
      onSubmit={() => void submit()}
      onCancel={close}
    >
      <div role="status">{sent && <p class="alert alert-success">Thank you! The team reads every note.</p>}</div>
      <p class="muted">What works, what doesn't, what you miss on this page. For a problem with your account, use the <a href="/contact">contact form</a>.</p>
      <fieldset class="field">
        <legend>How is Pixmint so far? (optional)</legend>
        <div class="feedback-ratings">
          {RATINGS.map((value) => (
            <label key={value} class="checkbox-field">
              <input type="radio" name="feedback-rating" checked={rating === value} onChange={() => setRating(value)} /> {value}
            </label>
          ))}
        </div>
      </fieldset>
      <Field id="feedback-message" label="Your feedback" rows={4} maxLength={5000} value={message} onValue={setMessage} />
    </FormDialog>
  );
}
