import { useState } from 'preact/hooks';
import { api } from '../api';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { SubmitButton } from '../components/SubmitButton';
import { requireFilled, useFormSubmit } from '../forms';
import { usePageTitle } from '../hooks';
import './auth.css';

const FIELDS = ['email'] as const;

export function ForgotPassword() {
  usePageTitle('Reset your password');
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    setSent(false);
    void run(
      () => requireFilled({ email }, { email: 'Email' }),
      async () => {
        await api.requestPasswordReset(email.trim());
        setSent(true);
      },
    );
  }

  return (
    <section class="auth-card" aria-labelledby="forgot-title">
      <h1 id="forgot-title">Reset your password</h1>
      <p class="muted">Enter the email you signed up with and we'll send you a link to choose a new password.</p>
      <div role="status">
        {sent && <p class="alert alert-success">If an account exists for that email, a reset link is on its way.</p>}
      </div>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="forgot-title">
        <FormAlert message={errors.form} />
        <Field id="email" label="Email" type="email" autoComplete="email" required value={email} onValue={setEmail} error={errors.fields.email} />
        <SubmitButton busy={busy} busyText="Sending the reset link…">
          Send reset link
        </SubmitButton>
      </form>
      <p class="auth-switch">
        Remembered it? <a href="/signin">Back to sign in</a>
      </p>
    </section>
  );
}
