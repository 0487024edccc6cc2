import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { forgetSession } from '../auth';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { PasswordFeedback, usePasswordAdvice } from '../components/PasswordFeedback';
import { SubmitButton } from '../components/SubmitButton';
import { requireFilled, useFormSubmit } from '../forms';
import { usePageTitle } from '../hooks';
import { takeLinkToken } from '../linkToken';
import './auth.css';

const FIELDS = ['new_password'] as const;
// The API names the new password `password` when it is too weak.
const FIELD_ALIASES = { password: 'new_password' };

/** The reset link's token; links sent before the contract was followed carry it as `#token=...`. */
const takeToken = () => takeLinkToken({ fragment: true });

export function ResetPassword() {
  usePageTitle('Choose a new password');
  const [token, setToken] = useState(takeToken);
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const [tokenRejected, setTokenRejected] = useState(false);
  const { advice, track } = usePasswordAdvice();
  const { busy, errors, run, clear, formRef } = useFormSubmit(FIELDS, FIELD_ALIASES);

  // A second old-style reset link opened in this same tab only changes the fragment.
  useEffect(() => {
    const onHashChange = () => {
      const next = takeToken();
      if (!next) return;
      setToken(next);
      setDone(false);
      setTokenRejected(false);
      clear();
    };
    addEventListener('hashchange', onHashChange);
    return () => removeEventListener('hashchange', onHashChange);
  }, [clear]);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ new_password: password }, { new_password: 'New password' }),
      async () => {
        try {
          await track(() => api.confirmPasswordReset(token, password));
        } catch (error) {
          setTokenRejected(error instanceof ApiError && error.code === 'invalid_token');
          throw error;
        }
        // Every refresh token of the account was revoked, including any kept in this browser.
        forgetSession();
        setDone(true);
      },
    );
  }

  if (done) {
    return (
      <section class="auth-card" aria-labelledby="reset-title">
        <h1 id="reset-title">Password changed</h1>
        <p class="alert alert-success" role="status">
          Your password has been changed. Sign in with your new password.
        </p>
        <p>
          <a href="/signin" class="btn btn-primary btn-block">
            Go to sign in
          </a>
        </p>
      </section>
    );
  }

  if (!token) {
    return (
      <section class="auth-card" aria-labelledby="reset-title">
        <h1 id="reset-title">Choose a new password</h1>
        <p class="alert alert-error" role="alert">
          This reset link is incomplete. Open the link from the email again, or request a new one.
        </p>
        <p>
          <a href="/forgot-password">Request a new reset link</a>
        </p>
      </section>
    );
  }

  return (
    <section class="auth-card" aria-labelledby="reset-title">
      <h1 id="reset-title">Choose a new password</h1>
      <form ref={formRef} onSubmit={handleSubmit} noValidate aria-labelledby="reset-title">
        <FormAlert message={errors.form}>
          {tokenRejected && errors.form && (
            <p>
              <a href="/forgot-password">Request a new reset link</a>
            </p>
          )}
        </FormAlert>
        <Field
          id="new_password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 10 characters."
          value={password}
          onValue={setPassword}
          error={errors.fields.new_password}
          after={errors.fields.new_password && advice ? <PasswordFeedback id="new_password-feedback" advice={advice} /> : null}
          afterId="new_password-feedback"
        />
        <SubmitButton busy={busy} busyText="Saving your new password…">
          Set new password
        </SubmitButton>
      </form>
    </section>
  );
}
