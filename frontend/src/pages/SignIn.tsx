import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError } from '../api';
import { signIn, takeNotice, takeReturnTo, useSession } from '../auth';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { SubmitButton } from '../components/SubmitButton';
import { requireFilled, useFormSubmit, type FieldErrors } from '../forms';
import { usePageTitle } from '../hooks';
import './auth.css';

const FIELDS = ['email', 'password', 'code'] as const;

/** Email and password first; an account with two-factor sign-in then needs its app's code or a recovery code. */
export function SignIn() {
  usePageTitle('Sign in');
  const { route } = useLocation();
  const session = useSession();
  const [notice] = useState(takeNotice);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<'password' | 'code'>('password');
  const [code, setCode] = useState('');
  const [recovery, setRecovery] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);
  const { busy, errors, run, clear, formRef } = useFormSubmit(FIELDS);

  useEffect(() => {
    if (step === 'code') codeInput.current?.focus();
  }, [step, recovery]);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => (step === 'code' ? requireCode(code, recovery) : requireFilled({ email, password }, { email: 'Email', password: 'Password' })),
      async () => {
        try {
          await signIn(email.trim(), password, step === 'code' ? code.trim() : undefined);
        } catch (error) {
          if (step === 'password' && error instanceof ApiError && error.code === 'two_factor_required' && error.reason === 'code_required') {
            setStep('code');
            return;
          }
          throw error;
        }
        route(takeReturnTo());
      },
    );
  }

  function startOver() {
    clear();
    setStep('password');
    setPassword('');
    setCode('');
    setRecovery(false);
  }

  return (
    <section class="auth-card" aria-labelledby="signin-title">
      <h1 id="signin-title">{step === 'code' ? 'Enter your sign-in code' : 'Sign in'}</h1>
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
        {step === 'password' ? (
          <>
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
          </>
        ) : (
          <>
            <p class="muted" data-testid="two-factor-step">
              Two-factor sign-in is on for <strong class="settings-email">{email.trim()}</strong>.
            </p>
            <Field
              key={recovery ? 'recovery' : 'app'}
              id="code"
              label={recovery ? 'Recovery code' : 'Code from your authenticator app'}
              hint={
                recovery
                  ? 'One of the recovery codes you saved when you set up two-factor sign-in. Each works once.'
                  : 'The 6-digit code your app shows for Pixmint now.'
              }
              autoComplete="one-time-code"
              inputMode={recovery ? 'text' : 'numeric'}
              required
              inputRef={codeInput}
              value={code}
              onValue={setCode}
              error={errors.fields.code}
            />
            <p class="form-aside signin-code-options">
              <button
                type="button"
                class="link-button"
                onClick={() => {
                  clear();
                  setCode('');
                  setRecovery((on) => !on);
                }}
              >
                {recovery ? 'Use the code from your app instead' : 'Use a recovery code instead'}
              </button>
              <button type="button" class="link-button" onClick={startOver}>
                Use a different account
              </button>
            </p>
          </>
        )}
        <SubmitButton busy={busy} busyText={step === 'code' ? 'Checking your code…' : 'Signing you in…'}>
          {step === 'code' ? 'Verify and sign in' : 'Sign in'}
        </SubmitButton>
      </form>
      <p class="auth-switch">
        New to Pixmint? <a href="/signup">Create an account</a>
      </p>
    </section>
  );
}

function requireCode(code: string, recovery: boolean): FieldErrors {
  const text = code.replace(/\s+/g, '');
  if (!text) return { code: recovery ? 'Enter one of your recovery codes.' : 'Enter the 6-digit code from your app.' };
  if (!recovery && !/^\d{6}$/.test(text)) return { code: 'The code from your app is 6 digits. Or use a recovery code instead.' };
  return {};
}
