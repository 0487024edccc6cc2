import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { signIn, takeNotice, takeReturnTo, useSession } from '../auth';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { SubmitButton } from '../components/SubmitButton';
import { requireFilled, useFormSubmit } from '../forms';
import { usePageTitle } from '../hooks';

const FIELDS = ['email', 'password'] as const;

export function SignIn() {
  usePageTitle('Sign in');
  const { route } = useLocation();
  const session = useSession();
  const [notice] = useState(takeNotice);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ email, password }, { email: 'Email', password: 'Password' }),
      async () => {
        await signIn(email.trim(), password);
        route(takeReturnTo());
      },
    );
  }

  return (
    <section class="auth-card" aria-labelledby="signin-title">
      <h1 id="signin-title">Sign in</h1>
      {notice && (
        <p class="alert alert-info" role="status">
          {notice}
        </p>
      )}
      {session.status === 'authenticated' && session.user && (
        <p class="alert alert-info">
          You're signed in as {session.user.email}. <a href="/dashboard">Go to your dashboard</a>
        </p>
      )}
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="signin-title">
        <FormAlert message={errors.form} />
        <Field id="email" label="Email" type="email" autoComplete="username" required value={email} onValue={setEmail} error={errors.fields.email} />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onValue={setPassword}
          error={errors.fields.password}
        />
        <p class="form-aside">
          <a href="/forgot-password">Forgot password?</a>
        </p>
        <SubmitButton busy={busy} busyText="Signing you in…">
          Sign in
        </SubmitButton>
      </form>
      <p class="auth-switch">
        New to Pixmint? <a href="/signup">Create an account</a>
      </p>
    </section>
  );
}
