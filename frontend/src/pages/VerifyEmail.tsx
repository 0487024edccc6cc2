import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type User } from '../api';
import { updateUser, useSession } from '../auth';
import { BalanceCard } from '../components/BalanceCard';
import { LoadError } from '../components/LoadError';
import { ResendVerification } from '../components/VerifyEmailBanner';
import { describeError } from '../forms';
import { usePageTitle } from '../hooks';
import { takeLinkToken } from '../linkToken';
import './auth.css';

type Outcome =
  | { kind: 'checking' }
  | { kind: 'verified'; user: User }
  | { kind: 'invalid' }
  | { kind: 'failed'; message: string };

/** Where the emailed link lands: confirms the address (which grants the signup bonus) and says how it went. */
export function VerifyEmail() {
  usePageTitle('Confirm your email address');
  const session = useSession();
  const [token] = useState(takeLinkToken);
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'checking' });
  const [attempt, setAttempt] = useState(0);
  const sent = useRef(-1);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    // A token works once: never send the same attempt twice.
    if (!token || sent.current === attempt) return;
    sent.current = attempt;
    setOutcome({ kind: 'checking' });
    api.verifyEmail(token).then(
      (user) => setOutcome({ kind: 'verified', user }),
      (error: unknown) =>
        setOutcome(
          error instanceof ApiError && (error.code === 'invalid_token' || error.status === 400)
            ? { kind: 'invalid' }
            : { kind: 'failed', message: describeError(error, []).form ?? 'Something went wrong. Please try again.' },
        ),
    );
  }, [token, attempt]);

  // The header's balance and the banner follow the confirmed account, also when the session was restored meanwhile.
  const signedIn = session.status === 'authenticated' ? session.user : null;
  useEffect(() => {
    if (outcome.kind !== 'verified' || !signedIn || signedIn.id !== outcome.user.id) return;
    if (!signedIn.email_verified || signedIn.credits !== outcome.user.credits) updateUser(outcome.user);
  }, [outcome, signedIn]);

  useEffect(() => {
    if (outcome.kind !== 'checking') heading.current?.focus();
  }, [outcome.kind]);

  if (!token) {
    return (
      <section class="auth-card" aria-labelledby="verify-title">
        <h1 id="verify-title">Confirm your email address</h1>
        {signedIn?.email_verified ? (
          <p class="alert alert-success">Your email address {signedIn.email} is confirmed.</p>
        ) : (
          <p class="alert alert-error" role="alert" data-testid="verify-email-invalid">
            This confirmation link is incomplete. Open the link from the email again.
          </p>
        )}
        <NextSteps user={signedIn} loading={session.status === 'loading'} />
      </section>
    );
  }

  if (outcome.kind === 'checking') {
    return (
      <section class="auth-card" aria-labelledby="verify-title">
        <h1 id="verify-title">Confirm your email address</h1>
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Confirming your email address…
        </p>
      </section>
    );
  }

  if (outcome.kind === 'verified') {
    const user = outcome.user;
    return (
      <section class="auth-card verify-result" aria-labelledby="verify-title" data-testid="verify-email-success">
        <h1 id="verify-title" ref={heading} tabIndex={-1}>
          Email address confirmed
        </h1>
        <p class="alert alert-success" role="status">
          Thank you: <span class="settings-email">{user.email}</span> is confirmed. Any signup credits are now in your
          balance.
        </p>
        <BalanceCard credits={user.credits} title="Your balance" />
        <p class="cta-row">
          {signedIn && signedIn.id === user.id ? (
            <>
              <a href="/generate" class="btn btn-primary">
                Generate an image
              </a>
              <a href="/dashboard">Go to your dashboard</a>
            </>
          ) : (
            <a href="/signin" class="btn btn-primary">
              Sign in
            </a>
          )}
        </p>
      </section>
    );
  }

  if (outcome.kind === 'failed') {
    return (
      <section class="auth-card" aria-labelledby="verify-title">
        <h1 id="verify-title" ref={heading} tabIndex={-1}>
          Confirm your email address
        </h1>
        <LoadError message={outcome.message} onRetry={() => setAttempt((n) => n + 1)} />
      </section>
    );
  }

  return (
    <section class="auth-card" aria-labelledby="verify-title">
      <h1 id="verify-title" ref={heading} tabIndex={-1}>
        This link can't be used
      </h1>
      <div class="alert alert-error" role="alert" data-testid="verify-email-invalid">
        <p>
          This confirmation link is not valid: it may have been used already, replaced by a newer one, or expired. Each link
          works once.
        </p>
      </div>
      <NextSteps user={signedIn} loading={session.status === 'loading'} />
    </section>
  );
}

function NextSteps({ user, loading }: { user: User | null; loading: boolean }) {
  if (loading) return null;
  if (!user) {
    return (
      <p>
        Already confirmed? <a href="/signin">Sign in</a>. Otherwise sign in and ask for a new link on any page.
      </p>
    );
  }
  if (user.email_verified) {
    return (
      <p>
        Your email address is confirmed already. <a href="/dashboard">Go to your dashboard</a>
      </p>
    );
  }
  return (
    <>
      <p>Ask for a new link to {user.email}.</p>
      <ResendVerification email={user.email} />
    </>
  );
}
