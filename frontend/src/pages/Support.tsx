import { useState } from 'preact/hooks';
import { api } from '../api';
import type { Schemas } from '../api-types';
import { FormAlert } from '../components/FormAlert';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { SubmitButton } from '../components/SubmitButton';
import { formatDateTime } from '../format';
import { requireFilled, useFormSubmit } from '../forms';
import { useApiData, usePageTitle } from '../hooks';
import './support.css';
import { Field } from '../components/Field';

type Ticket = Schemas['Ticket'];
type Message = Schemas['SupportMessage'];

export const TICKET_STATUS: Record<Ticket['status'], string> = { open: 'Waiting for support', answered: 'Answered', closed: 'Closed' };

/** The signed-in user's conversations with support, each with a box to write again. */
export function Support() {
  usePageTitle('Support');
  return <RequireAuth>{() => <SupportContent />}</RequireAuth>;
}

function SupportContent() {
  const tickets = useApiData((signal) => api.tickets(null, signal));
  return (
    <div class="support-page">
      <h1 class="page-title">Support</h1>
      <p class="muted">
        Your conversations with Pixmint support. Answers also come by email. <a href="/contact">Write a new message</a>
      </p>
      <LoadError message={tickets.error} onRetry={tickets.retry} />
      {tickets.loading && !tickets.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading your conversations…
        </p>
      )}
      {tickets.data && tickets.data.items.length === 0 && (
        <p data-testid="no-tickets">
          You haven't written to support yet. The <a href="/help">help center</a> answers the common questions.
        </p>
      )}
      {tickets.data?.items.map((ticket) => <TicketCard key={ticket.id} ticket={ticket} />)}
    </div>
  );
}

function TicketCard({ ticket }: { ticket: Ticket }) {
  const [messages, setMessages] = useState<Message[]>(ticket.messages);
  const [status, setStatus] = useState(ticket.status);
  const [text, setText] = useState('');
  const { busy, errors, run, formRef } = useFormSubmit(['message']);
  const titleId = `ticket-${ticket.id}`;

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ message: text }, { message: 'Your message' }),
      async () => {
        const sent = await api.followUp(ticket.id, text.trim());
        setMessages((previous) => [...previous, sent]);
        setStatus('open');
        setText('');
      },
    );
  }

  return (
    <article class="card ticket" aria-labelledby={titleId} data-testid="ticket">
      <div class="ticket-head">
        <h2 id={titleId}>{ticket.subject}</h2>
        <span class="ticket-status" data-testid="ticket-status">
          {TICKET_STATUS[status]}
        </span>
      </div>
      <Conversation messages={messages} />
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-label={`Write again about ${ticket.subject}`}>
        <FormAlert message={errors.form} />
        <Field id={`reply-${ticket.id}`} label="Write again" rows={3} value={text} onValue={setText} error={errors.fields.message} />
        <SubmitButton busy={busy} busyText="Sending…">
          Send
        </SubmitButton>
      </form>
    </article>
  );
}

/** A ticket's messages, oldest first; the customer reads their own as "You", support reads their name. */
export function Conversation({ messages, asSupport = false }: { messages: readonly Message[]; asSupport?: boolean }) {
  return (
    <ol class="ticket-messages">
      {messages.map((message) => (
        <li key={message.id} class="ticket-message" data-author={message.author} data-testid="ticket-message">
          <p class="ticket-message-meta">
            <strong>{message.author === 'support' || asSupport ? message.author_name : 'You'}</strong> ·{' '}
            <time dateTime={message.created_at}>{formatDateTime(message.created_at)}</time>
          </p>
          <p class="ticket-message-body">{message.body}</p>
        </li>
      ))}
    </ol>
  );
}
