import { useEffect, useState } from 'preact/hooks';
import { api, type User } from '../api';
import { updateUser } from '../auth';
import { RequireAuth } from '../components/RequireAuth';
import { describeError } from '../forms';
import { usePageTitle } from '../hooks';

export function Dashboard() {
  usePageTitle('Dashboard');
  return <RequireAuth>{(user) => <DashboardContent user={user} />}</RequireAuth>;
}

function DashboardContent({ user }: { user: User }) {
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    api
      .me(controller.signal)
      .then(updateUser)
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(describeError(failure, []).form);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [attempt]);

  const name = user.display_name?.trim() || user.email;

  return (
    <>
      <h1 class="page-title">Welcome, {name}</h1>

      {error && (
        <div class="alert alert-error" role="alert">
          <p>{error}</p>
          <button type="button" class="btn btn-secondary btn-small" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}

      <section class="card balance-card" aria-labelledby="balance-title" aria-busy={loading ? 'true' : undefined}>
        <h2 id="balance-title">Credit balance</h2>
        <p class="balance">
          <span data-testid="balance" class="balance-number">
            {user.credits}
          </span>{' '}
          <span class="balance-unit">credits</span>
        </p>
        <p class="muted">$1 buys 100 credits. Each image costs a few credits, and you always see the price first.</p>
      </section>

      <section class="empty-state" aria-labelledby="images-title">
        <h2 id="images-title">No images yet</h2>
        <p>
          Your pictures will appear here. Next step: describe the image you want in a prompt, and Pixmint will create it
          using your credits. Your {user.credits} credits are ready to use.
        </p>
      </section>
    </>
  );
}
