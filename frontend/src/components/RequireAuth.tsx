import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { User } from '../api';
import { refresh, setReturnTo, useSession } from '../auth';

/** Renders its children for a signed-in user; otherwise sends them to sign in and back here afterwards. */
export function RequireAuth({ children }: { children: (user: User) => ComponentChildren }) {
  const session = useSession();
  const { url, route } = useLocation();
  const [retrying, setRetrying] = useState(false);

  useEffect(() => {
    // Skip when the app has already moved on, e.g. to the home page after signing out.
    const stillHere = location.pathname + location.search === url;
    if (session.status === 'anonymous' && stillHere) {
      setReturnTo(url);
      route('/signin', true);
    }
  }, [session.status, url]);

  if (session.status === 'authenticated' && session.user) return <>{children(session.user)}</>;

  if (session.status === 'unreachable') {
    return (
      <div class="alert alert-error" role="alert">
        <p>We couldn't reach Pixmint to restore your session. Check your connection and try again.</p>
        <button
          type="button"
          class="btn btn-secondary"
          aria-busy={retrying ? 'true' : undefined}
          onClick={async () => {
            setRetrying(true);
            await refresh();
            setRetrying(false);
          }}
        >
          {retrying && <span class="spinner" aria-hidden="true" />}
          Try again
        </button>
      </div>
    );
  }

  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" /> Loading your account…
    </p>
  );
}
