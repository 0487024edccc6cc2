import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { signUp, useSession } from '../auth';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { SubmitButton } from '../components/SubmitButton';
import { requireFilled, useFormSubmit } from '../forms';
import { usePageTitle } from '../hooks';

const FIELDS = ['email', 'password', 'display_name'] as const;

export function SignUp() {
  usePageTitle('Create your account');
  const { route } = useLocation();
  const session = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ email, password }, { email: 'Email', password: 'Password' }),
      async () => {
        await signUp(email.trim(), password, displayName.trim() || undefined);
        route('/dashboard');
      },
    );
  }

  return (
    <section class="auth-card" aria-labelledby="signup-title">
      <h1 id="signup-title">Create your account</h1>
      <p class="muted">Start with 50 free credits. No card needed.</p>
      {session.status === 'authenticated' && session.user && (
        <p class="alert alert-info">
          You're signed in as {session.user.email}. <a href="/dashboard">Go to your dashboard</a>
        </p>
      )}
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="signup-title">
        <FormAlert message={errors.form} />
        <Field id="email" label="Email" type="email" autoComplete="email" required value={email} onValue={setEmail} error={errors.fields.email} />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 10 characters."
          value={password}
          onValue={setPassword}
          error={errors.fields.password}
        />
        <Field
          id="display_name"
          label="Display name"
          autoComplete="nickname"
          hint="Optional. This is how Pixmint greets you."
          value={displayName}
          onValue={setDisplayName}
          error={errors.fields.display_name}
        />
        <SubmitButton busy={busy} busyText="Creating your account…">
          Create account
        </SubmitButton>
      </form>
      <p class="auth-switch">
        Already have an account? <a href="/signin">Sign in instead</a>
      </p>
    </section>
  );
}
