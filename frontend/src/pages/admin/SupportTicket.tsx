import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { request } from '../../api';
import type { Schemas } from '../../api-types';
import { AdminShell } from '../../components/AdminShell';
import { FormAlert } from '../../components/FormAlert';
import { LoadError } from '../../components/LoadError';
import { SubmitButton } from '../../components/SubmitButton';
import { formatCredits, formatDateTime, formatMoney } from '../../format';
import { describeError, requireFilled, useFormSubmit } from '../../forms';
import { useApiData } from '../../hooks';
import { Conversation, TICKET_STATUS } from '../Support';
import '../support.css';
import { Field } from '../../components/Field';

type AdminTicket = Schemas['AdminTicket'];
type Message = Schemas['SupportMessage'];
type Generation = Schemas['Generation'];

export function AdminSupportTicket() {
  const { params } = useRoute();
  return <AdminShell title="Support ticket">{() => <TicketContent id={params.id ?? ''} />}</AdminShell>;
}

function TicketContent({ id }: { id: string }) {
  const loaded = useApiData((signal) => request<AdminTicket>('GET', `/admin/support/tickets/${encodeURIComponent(id)}`, { signal }), [id]);
  if (loaded.error) return <LoadError message={loaded.error} onRetry={loaded.retry} />;
  if (!loaded.data) {
    return (
      <p class="loading" role="status">
        <span class="spinner" aria-hidden="true" /> Loading the ticket…
      </p>
    );
  }
  return <TicketView key={loaded.data.id} initial={loaded.data} reload={loaded.retry} />;
}

function TicketView({ initial, reload }: { initial: AdminTicket; reload: () => void }) {
  const [messages, setMessages] = useState<Message[]>(initial.messages);
  const [status, setStatus] = useState(initial.status);
  const [text, setText] = useState('');
  const [close, setClose] = useState(false);
  const [notice, setNotice] = useState('');
  const { busy, errors, run, formRef } = useFormSubmit(['message']);
  const base = `/admin/support/tickets/${encodeURIComponent(initial.id)}`;

  function handleReply(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ message: text }, { message: 'Reply' }),
      async () => {
        const sent = await request<Message>('POST', `${base}/replies`, { body: { message: text.trim(), close } });
        setMessages((previous) => [...previous, sent]);
        setStatus(close ? 'closed' : 'answered');
        setText('');
        setNotice(`Reply sent to ${initial.email}.`);
      },
    );
  }

  async function changeStatus(next: AdminTicket['status']) {
    try {
      await request<Schemas['Ticket']>('PATCH', base, { body: { status: next } });
      setStatus(next);
      setNotice(`Marked ${TICKET_STATUS[next].toLowerCase()}.`);
    } catch (failure) {
      setNotice(describeError(failure, []).form ?? 'The status could not be changed.');
    }
  }

  return (
    <>
      <h1 class="page-title">{initial.subject}</h1>
      <p class="muted">
        From <strong class="settings-email">{initial.email}</strong>
        {initial.page && (
          <>
            {' '}
            on <code>{initial.page}</code>
          </>
        )}{' '}
        · opened <time dateTime={initial.created_at}>{formatDateTime(initial.created_at)}</time>
      </p>
      <div class="field">
        <label for="ticket-status">Status</label>
        <select id="ticket-status" value={status} onChange={(event) => void changeStatus(event.currentTarget.value as AdminTicket['status'])}>
          {(Object.keys(TICKET_STATUS) as AdminTicket['status'][]).map((value) => (
            <option key={value} value={value}>
              {TICKET_STATUS[value]}
            </option>
          ))}
        </select>
      </div>
      <p role="status" data-testid="ticket-notice">
        {notice}
      </p>
      <section class="card" aria-labelledby="conversation-title">
        <h2 id="conversation-title">Conversation</h2>
        <Conversation messages={messages} asSupport />
        <form ref={formRef} onSubmit={handleReply} noValidate aria-labelledby="reply-title">
          <h3 id="reply-title">Reply</h3>
          <FormAlert message={errors.form} />
          <Field id="reply" label="Your answer (emailed)" rows={6} value={text} onValue={setText} error={errors.fields.message} />
          <div class="field checkbox-field">
            <input id="close-ticket" type="checkbox" checked={close} onChange={(event) => setClose(event.currentTarget.checked)} />
            <label for="close-ticket">Close the ticket with this reply</label>
          </div>
          <SubmitButton busy={busy} busyText="Sending…" testId="send-reply">
            Send reply
          </SubmitButton>
        </form>
      </section>
      <AccountContext ticket={initial} onRefunded={(message) => {
        setNotice(message);
        reload();
      }} />
    </>
  );
}

function AccountContext({ ticket, onRefunded }: { ticket: AdminTicket; onRefunded: (message: string) => void }) {
  const account = ticket.account;
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!account) {
    return (
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title">Account</h2>
        <p>No account has this address; the writer was not signed in.</p>
      </section>
    );
  }

  async function refund(generation: Generation) {
    if (busy) return;
    setBusy(generation.id);
    setError(null);
    try {
      const row = await request<Schemas['Transaction']>('POST', `/admin/support/tickets/${encodeURIComponent(ticket.id)}/refunds`, {
        body: { generation_id: generation.id },
      });
      onRefunded(`Refunded ${formatCredits(row.delta)} credits; the balance is now ${formatCredits(row.balance_after)}.`);
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(null);
    }
  }

  const user = account.user;
  return (
    <section class="card" aria-labelledby="account-title" data-testid="ticket-account">
      <h2 id="account-title">Account</h2>
      <p>
        <a href={`/admin/users/${user.id}`}>{user.email}</a> · {formatCredits(user.credits)} credits
        {account.matched_by === 'email' && <> · matched by email address only (not signed in when writing)</>}
      </p>
      <FormAlert message={error} />
      <h3 id="generations-title">Recent generations</h3>
      {account.generations.length === 0 ? (
        <p>None.</p>
      ) : (
        <div class="table-wrap" role="region" aria-labelledby="generations-title" tabIndex={0}>
          <table class="data-table">
            <thead>
              <tr>
                <th scope="col">Prompt</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Cost
                </th>
                <th scope="col" class="num">
                  Refunded
                </th>
                <th scope="col">When</th>
                <th scope="col">
                  <span class="visually-hidden">Refund</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {account.generations.map((generation) => {
                const rest = generation.cost_credits - generation.refunded_credits;
                const finished = generation.status === 'succeeded' || generation.status === 'failed';
                return (
                  <tr key={generation.id} data-testid="ticket-generation">
                    <td>{generation.prompt}</td>
                    <td>{generation.status}</td>
                    <td class="num">{formatCredits(generation.cost_credits)}</td>
                    <td class="num">{formatCredits(generation.refunded_credits)}</td>
                    <td>
                      <time dateTime={generation.created_at}>{formatDateTime(generation.created_at)}</time>
                    </td>
                    <td>
                      {finished && rest > 0 && (
                        <button type="button" class="btn btn-secondary btn-small" disabled={busy !== null} onClick={() => void refund(generation)}>
                          Refund {formatCredits(rest)} credits
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <h3 id="payments-title">Recent payments</h3>
      {account.payments.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {account.payments.map((payment) => (
            <li key={payment.id} data-testid="ticket-payment">
              {formatMoney(payment.amount_cents, payment.currency)} for {formatCredits(payment.credits)} credits · {payment.status} ·{' '}
              <time dateTime={payment.created_at}>{formatDateTime(payment.created_at)}</time>
              {payment.failure_reason && <> · {payment.failure_reason}</>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
