import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError } from '../api';
import { signUp, useSession } from '../auth';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { PasswordFeedback, usePasswordAdvice } from '../components/PasswordFeedback';
import { SubmitButton } from '../components/SubmitButton';
import { requireFilled, useFormSubmit } from '../forms';
import { usePageTitle } from '../hooks';
import { generateHref, peekPendingPrompt, takePendingPrompt } from '../pendingPrompt';
import './auth.css';

const FIELDS = ['email', 'password', 'display_name', 'invite_code', 'referral_code'] as const;

export function SignUp() {
  usePageTitle('Create your account');
  const { route } = useLocation();
  const session = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  // From an invitation's link (/signup?invite=…); the field shows then, or once sign-up turns out to be invite-only.
  const [invite, setInvite] = useState(() => new URLSearchParams(location.search).get('invite') ?? '');
  const [askInvite, setAskInvite] = useState(invite !== '');
  // From a friend's referral link (/signup?ref=…); the field shows only then.
  const [referral, setReferral] = useState(() => new URLSearchParams(location.search).get('ref') ?? '');
  const [askReferral] = useState(referral !== '');
  const { advice, track } = usePasswordAdvice();
  const [waiting] = useState(peekPendingPrompt);
  const { busy, errors, run, formRef } = useFormSubmit(FIELDS);

  function handleSubmit(event: Event) {
    event.preventDefault();
    void run(
      () => requireFilled({ email, password }, { email: 'Email', password: 'Password' }),
      async () => {
        try {
          await track(() =>
            signUp(email.trim(), password, displayName.trim() || undefined, invite.trim() || undefined, referral.trim() || undefined),
          );
        } catch (error) {
          if (error instanceof ApiError && error.code === 'invite_required') setAskInvite(true);
          throw error;
        }
        const waiting = takePendingPrompt();
        route(waiting ? generateHref(waiting) : '/dashboard');
      },
    );
  }

  return (
    <section class="auth-card" aria-labelledby="signup-title">
      <h1 id="signup-title">Create your account</h1>
      <p class="muted">Start with 50 free credits once you confirm your email address. No card needed.</p>
      {session.status === 'authenticated' && session.user && (
        <p class="alert alert-info">
          You're signed in as {session.user.email}. <a href="/dashboard">Go to your dashboard</a>
        </p>
      )}
      {waiting && (
        <p class="alert alert-info" data-testid="pending-prompt">
          Your prompt is kept for when your account is ready: “{waiting}”
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
          hint="At least 10 characters, and hard to guess: a few uncommon words work well."
          value={password}
          onValue={setPassword}
          error={errors.fields.password}
          after={errors.fields.password && advice ? <PasswordFeedback id="password-feedback" advice={advice} /> : null}
          afterId="password-feedback"
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
        {askInvite && (
          <Field
            id="invite_code"
            label="Invite code"
            autoComplete="off"
            hint="Pixmint is invite-only for now. No code yet?"
            value={invite}
            onValue={setInvite}
            error={errors.fields.invite_code}
          >
            <p class="field-hint">
              <a href="/waitlist">Join the waitlist</a> and we'll email you one.
            </p>
          </Field>
        )}
        {askReferral && (
          <Field
            id="referral_code"
            label="Referral code"
            autoComplete="off"
            hint="From the friend who invited you: you both earn credits once your first purchase has settled. Clear it to sign up without one."
            value={referral}
            onValue={setReferral}
            error={errors.fields.referral_code}
          />
        )}
        <p class="small-print muted">
          By creating an account you agree to the <a href="/terms">terms</a> and the{' '}
          <a href="/privacy">privacy policy</a>.
        </p>
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
