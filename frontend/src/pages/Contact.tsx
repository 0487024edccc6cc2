import { useState } from 'preact/hooks';
import { api } from '../api';
import { useSession } from '../auth';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { SubmitButton } from '../components/SubmitButton';
import { requireFilled, useFormSubmit } from '../forms';
import { usePageTitle } from '../hooks';
import './support.css';

const FIELDS = ['email', 'subject', 'message'] as const;

/** The contact form: signed in, the answer goes to the account's address; otherwise to the one given. */
export function Contact() {
  usePageTitle('Contact support');
  const session = useSession();
  const user = session.status === 'authenticated' ? session.user : null;
  const [email, setEmail] = useState('');
  const [subject, setSubject] = useState('');
  const [message, setMessage] = useState('');
  // People never see this field; a bot that fills every input gets a normal-looking answer and nothing is kept.
  const [website, setWebsite] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS);
  const from = new URLSearchParams(location.search).get('from');

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () =>
        requireFilled(
          user ? { subject, message } : { email, subject, message },
          user ? { subject: 'Subject', message: 'Message' } : { email: 'Email', subject: 'Subject', message: 'Message' },
        ),
      async () => {
        await api.openTicket({
          subject: subject.trim(),
          message: message.trim(),
          ...(user ? {} : { email: email.trim() }),
          ...(from && from.startsWith('/') ? { page: from.slice(0, 300) } : {}),
          ...(website ? { website } : {}),
        });
        setSent(user ? user.email : email.trim());
      },
    );
  }

  if (sent) {
    return (
      <section class="auth-card" aria-labelledby="contact-title" data-testid="contact-sent">
        <h1 id="contact-title">Message sent</h1>
        <p class="alert alert-success" role="status">
          Thank you. A person reads every message; the answer comes to <strong>{sent}</strong>.
        </p>
        {user ? (
          <p>
            Your conversations with support are on <a href="/support">your support page</a>.
          </p>
        ) : (
          <p>
            Meanwhile, the <a href="/help">help center</a> may already have the answer.
          </p>
        )}
      </section>
    );
  }

  return (
    <section class="auth-card contact-card" aria-labelledby="contact-title">
      <h1 id="contact-title">Contact support</h1>
      <p class="muted">
        Tell us what happened: a failed image, a payment, your account. Before writing, the <a href="/help">help center</a> answers
        the common questions.
      </p>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="contact-title">
        <FormAlert message={errors.form} />
        {user ? (
          <p class="muted">
            We'll answer at <strong class="settings-email">{user.email}</strong>.
          </p>
        ) : (
          <Field
            id="email"
            label="Email"
            type="email"
            autoComplete="email"
            hint="Where we should answer."
            required
            value={email}
            onValue={setEmail}
            error={errors.fields.email}
          />
        )}
        <Field id="subject" label="Subject" required value={subject} onValue={setSubject} error={errors.fields.subject} />
        <Field
          id="message"
          label="Message"
          required
          rows={7}
          maxLength={10000}
          value={message}
          onValue={setMessage}
          error={errors.fields.message}
        />
        <div class="contact-trap" aria-hidden="true">
          <label for="website">Website</label>
          <input id="website" name="website" type="text" tabIndex={-1} autoComplete="off" value={website} onInput={(e) => setWebsite(e.currentTarget.value)} />
        </div>
        <SubmitButton busy={busy} busyText="Sending…" testId="send-ticket">
          Send message
        </SubmitButton>
      </form>
    </section>
  );
}
