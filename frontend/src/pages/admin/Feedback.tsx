import { useState } from 'preact/hooks';
import { request } from '../../api';
import type { Schemas } from '../../api-types';
import { AdminShell } from '../../components/AdminShell';
import { LoadError } from '../../components/LoadError';
import { formatDateTime } from '../../format';
import { useApiData } from '../../hooks';
import '../support.css';

export function AdminFeedback() {
  return <AdminShell title="Feedback">{() => <FeedbackContent />}</AdminShell>;
}

function FeedbackContent() {
  const [page, setPage] = useState('');
  const [typed, setTyped] = useState('');
  const entries = useApiData(
    (signal) => request<Schemas['FeedbackPage']>('GET', `/admin/feedback?limit=100${page ? `&page=${encodeURIComponent(page)}` : ''}`, { signal }),
    [page],
  );
  return (
    <>
      <h1 class="page-title">Feedback</h1>
      <p class="muted">What people sent with the feedback button, newest first, with the page they were on.</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setPage(typed.trim());
        }}
      >
        <div class="field">
          <label for="feedback-page">From the page (path, e.g. /generate)</label>
          <div class="input-row">
            <input id="feedback-page" value={typed} onInput={(event) => setTyped(event.currentTarget.value)} />
            <button type="submit" class="btn btn-secondary">
              Filter
            </button>
          </div>
        </div>
      </form>
      <LoadError message={entries.error} onRetry={entries.retry} />
      {entries.data && entries.data.items.length === 0 && <p>No feedback yet.</p>}
      <ol class="ticket-messages">
        {entries.data?.items.map((entry) => (
          <li key={entry.id} class="ticket-message" data-testid="feedback-entry">
            <p class="ticket-message-meta">
              <code>{entry.page}</code> · {entry.user_email ?? 'signed out'}
              {entry.rating && <> · rated {entry.rating} of 5</>} · {formatDateTime(entry.created_at)}
            </p>
            <p class="ticket-message-body">{entry.message}</p>
          </li>
        ))}
      </ol>
    </>
  );
}
