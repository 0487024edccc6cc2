import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError, api } from '../api';
import { updateUser, useSession } from '../auth';
import { formatWait } from '../format';
import { describeError } from '../forms';
import './VerifyEmailBanner.css';

// The address may be confirmed in another tab or on a phone; look again when this tab comes back, not more often.
const RECHECK_MS = 15_000;
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** On every signed-in page while the address is unconfirmed: what to do, and a way to get the email again. */
export function VerifyEmailBanner() {
  const session = useSession();
  const { path } = useLocation();
  const user = session.status === 'authenticated' ? session.user : null;
  // The verification page says all of this itself.
  const shown = !!user && user.email_verified === false && path !== '/verify-email';

  useEffect(() => {
    if (!shown) return;
    let checkedAt = Date.now();
    function recheck() {
      if (document.visibilityState !== 'visible' || Date.now() - checkedAt < RECHECK_MS) return;
      checkedAt = Date.now();
      api.me().then(updateUser, () => undefined);
    }
    document.addEventListener('visibilitychange', recheck);
    return () => document.removeEventListener('visibilitychange', recheck);
  }, [shown]);

  if (!shown || !user) return null;
  return (
    <div class="verify-banner" data-testid="verify-email-banner">
      <p class="verify-banner-text">
        <strong>Please confirm your email address.</strong> We emailed a link to{' '}
        <span class="settings-email">{user.email}</span>. Open it to confirm the address and receive your free signup
        credits.
      </p>
      <ResendVerification email={user.email} />
    </div>
  );
}

/** "Resend email", with what happened announced politely; a 429 says when asking again will work. */
export function ResendVerification({ email }: { email: string }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [waitUntil, setWaitUntil] = useState(0);
  const waitTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => () => clearTimeout(waitTimer.current), []);

  function tooSoon(seconds: number): string {
    const at = clock.format(new Date(Date.now() + seconds * 1000));
    return `Several links were sent recently. Check your inbox and spam folder, or ask again in ${formatWait(seconds)} (after ${at}).`;
  }

  async function resend() {
    if (busy) return;
    const waitMs = waitUntil - Date.now();
    if (waitMs > 0) {
      setMessage({ text: tooSoon(waitMs / 1000), error: true });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      await api.resendVerification();
      setMessage({ text: `We sent a new link to ${email}. It can take a minute to arrive.`, error: false });
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) {
        const seconds = error.retryAfterSeconds ?? 60;
        setWaitUntil(Date.now() + seconds * 1000);
        clearTimeout(waitTimer.current);
        waitTimer.current = setTimeout(() => setWaitUntil(0), seconds * 1000);
        setMessage({ text: tooSoon(seconds), error: true });
      } else {
        setMessage({ text: describeError(error, []).form ?? 'The email could not be sent. Please try again.', error: true });
      }
    } finally {
      setBusy(false);
    }
  }

  const waiting = waitUntil > 0;
  return (
    <div class="resend-verification">
      <button
        type="button"
        class="btn btn-secondary btn-small"
        onClick={resend}
        aria-disabled={busy || waiting ? 'true' : undefined}
        aria-busy={busy ? 'true' : undefined}
        data-testid="resend-verification"
      >
        {busy && <span class="spinner" aria-hidden="true" />}
        Resend email
      </button>
      <p role="status" class={message?.error ? 'resend-status resend-status-error' : 'resend-status'} data-testid="resend-status">
        {message?.text ?? ''}
      </p>
    </div>
  );
}
