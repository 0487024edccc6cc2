import { useState } from 'preact/hooks';
import { api } from '../api';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { SubmitButton } from '../components/SubmitButton';
import { requireFilled, useFormSubmit } from '../forms';
import { usePageTitle } from '../hooks';
import './auth.css';

const FIELDS = ['email'] as const;

/** The public waitlist of the invite-only beta: an approved address gets its invite code by email. */
export function Waitlist() {
  usePageTitle('Join the waitlist');
  const [email, setEmail] = useState('');
  const [joined, setJoined] = useState<string | null>(null);
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ email }, { email: 'Email' }),
      async () => {
        await api.joinWaitlist(email.trim());
        setJoined(email.trim());
      },
    );
  }

  return (
    <section class="auth-card" aria-labelledby="waitlist-title">
      <h1 id="waitlist-title">Join the waitlist</h1>
      <p class="muted">
        Pixmint is opening to people in batches during the beta. Leave your address and we'll email you an invite code when
        your turn comes.
      </p>
      <div role="status">
        {joined && (
          <p class="alert alert-success" data-testid="waitlist-joined">
            You're on the list: the invitation will come to <strong>{joined}</strong>.
          </p>
        )}
      </div>
      {!joined && (
        <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="waitlist-title">
          <FormAlert message={errors.form} />
          <Field id="email" label="Email" type="email" autoComplete="email" required value={email} onValue={setEmail} error={errors.fields.email} />
          <SubmitButton busy={busy} busyText="Adding you…">
            Join the waitlist
          </SubmitButton>
        </form>
      )}
      <p class="auth-switch">
        Have an invite code? <a href="/signup">Create your account</a>
      </p>
    </section>
  );
}
