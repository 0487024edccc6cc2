import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type User } from '../api';
import { updateUser, useSession } from '../auth';
import { describeError } from '../forms';
import { usePageTitle } from '../hooks';
import { takeLinkToken } from '../linkToken';
import './auth.css';

type Outcome = { kind: 'checking' } | { kind: 'done'; user: User } | { kind: 'refused'; message: string };

/** Where the link mailed to a new address lands: moves the account to it, once. */
export function ConfirmEmailChange() {
  usePageTitle('Confirm your new email address');
  const session = useSession();
  const [token] = useState(takeLinkToken);
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'checking' });
  const sent = useRef(false);

  useEffect(() => {
    if (!token || sent.current) return; // a link works once: never send it twice
    sent.current = true;
    api.confirmEmailChange(token).then(
      (user) => setOutcome({ kind: 'done', user }),
      (error: unknown) =>
        setOutcome({
          kind: 'refused',
          message:
            error instanceof ApiError && error.code === 'invalid_token'
              ? 'This link is invalid, used or expired. Ask for a new one in Settings.'
              : (describeError(error, []).form ?? 'Something went wrong. Please try again.'),
        }),
    );
  }, [token]);

  const signedIn = session.status === 'authenticated' ? session.user : null;
  useEffect(() => {
    if (outcome.kind === 'done' && signedIn && signedIn.id === outcome.user.id && signedIn.email !== outcome.user.email) {
      updateUser(outcome.user);
    }
  }, [outcome, signedIn]);

  return (
    <section class="auth-card" aria-labelledby="confirm-title">
      <h1 id="confirm-title">Confirm your new email address</h1>
      {!token && (
        <p class="alert alert-error" role="alert">
          This confirmation link is incomplete. Open the link from the email again.
        </p>
      )}
      {token && outcome.kind === 'checking' && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Confirming…
        </p>
      )}
      {outcome.kind === 'done' && (
        <p class="alert alert-success" role="status" data-testid="email-changed">
          Your account now uses {outcome.user.email}. Sign in with it from now on.
        </p>
      )}
      {outcome.kind === 'refused' && (
        <p class="alert alert-error" role="alert" data-testid="email-change-refused">
          {outcome.message}
        </p>
      )}
      <p>
        <a href={signedIn ? '/settings' : '/signin'}>{signedIn ? 'Back to Settings' : 'Sign in'}</a>
      </p>
    </section>
  );
}
