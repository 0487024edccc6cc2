import { useState } from 'preact/hooks';
import { request } from '../../api';
import type { Schemas } from '../../api-types';
import { AdminShell } from '../../components/AdminShell';
import { LoadError } from '../../components/LoadError';
import { formatDateTime } from '../../format';
import { useApiData } from '../../hooks';
import { TICKET_STATUS } from '../Support';
import '../support.css';

type Ticket = Schemas['Ticket'];
type Status = Ticket['status'];
const FILTERS: readonly { value: Status | ''; label: string }[] = [
  { value: 'open', label: 'Waiting for support' },
  { value: 'answered', label: 'Answered' },
  { value: 'closed', label: 'Closed' },
  { value: '', label: 'All' },
];

export function AdminSupport() {
  return <AdminShell title="Support">{() => <QueueContent />}</AdminShell>;
}

function QueueContent() {
  const [status, setStatus] = useState<Status | ''>('open');
  const tickets = useApiData(
    (signal) => request<Schemas['TicketPage']>('GET', `/admin/support/tickets?limit=100${status ? `&status=${status}` : ''}`, { signal }),
    [status],
  );
  return (
    <>
      <h1 class="page-title">Support</h1>
      <p class="muted">Tickets from the contact form, the most recently active first. Replies are emailed.</p>
      <div class="field">
        <label for="ticket-filter">Show</label>
        <select id="ticket-filter" value={status} onChange={(event) => setStatus(event.currentTarget.value as Status | '')}>
          {FILTERS.map((filter) => (
            <option key={filter.value} value={filter.value}>
              {filter.label}
            </option>
          ))}
        </select>
      </div>
      <LoadError message={tickets.error} onRetry={tickets.retry} />
      {tickets.data && tickets.data.items.length === 0 && <p data-testid="no-tickets">No tickets here.</p>}
      {tickets.data && tickets.data.items.length > 0 && (
        <table class="data-table" aria-label="Support tickets">
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">From</th>
              <th scope="col">Status</th>
              <th scope="col">Last activity</th>
            </tr>
          </thead>
          <tbody>
            {tickets.data.items.map((ticket) => (
              <tr key={ticket.id} data-testid="ticket-row">
                <td>
                  <a href={`/admin/support/${ticket.id}`}>{ticket.subject}</a>
                </td>
                <td class="settings-email">{ticket.email}</td>
                <td>{TICKET_STATUS[ticket.status]}</td>
                <td>
                  <time dateTime={ticket.updated_at}>{formatDateTime(ticket.updated_at)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
