import { useState } from 'preact/hooks';
import { api, type User } from '../api';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { SubmitButton } from '../components/SubmitButton';
import { requireFilled, useFormSubmit } from '../forms';

const FIELDS = ['new_email', 'password'] as const;

/** Changing the address: a link goes to the new one, which must confirm; the current one is told. */
export function EmailAddressSection({ user, onSent }: { user: User; onSent: (message: string) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState<string | null>(null);
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ new_email: email, password }, { new_email: 'New email address', password: 'Password' }), // pragma: allowlist secret
      async () => {
        await api.changeEmail({ new_email: email.trim(), password });
        setPending(email.trim());
        setEmail('');
        setPassword('');
        onSent('Check the new address for a confirmation link.');
      },
    );
  }

  return (
    <section class="card settings-section" aria-labelledby="address-title">
      <h2 id="address-title">Email address</h2>
      <p>
        Your account uses <strong>{user.email}</strong>. A new address takes over once you open the link we send to it;
        we also tell the current one.
      </p>
      {pending && (
        <p class="alert alert-info" role="status" data-testid="email-change-pending">
          We sent a confirmation link to {pending}. Until you open it, nothing changes.
        </p>
      )}
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="address-title">
        <FormAlert message={errors.form} />
        <Field id="new_email" label="New email address" type="email" autoComplete="email" required value={email} onValue={setEmail} error={errors.fields.new_email} />
        <Field
          id="email_password"
          label="Your password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
          error={errors.fields.password}
        />
        <SubmitButton busy={busy} busyText="Sending the link…" testId="change-email">
          Send confirmation link
        </SubmitButton>
      </form>
    </section>
  );
}
