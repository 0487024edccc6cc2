import { useEffect, useState } from 'preact/hooks';
import { api, type User } from '../api';
import { updateUser } from '../auth';
import { BalanceCard } from '../components/BalanceCard';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { formatCredits } from '../format';
import { useApiData, usePageTitle } from '../hooks';

const RECENT_COUNT = 6;

type ThumbsComponent = typeof import('../components/GenerationThumbs').GenerationThumbs;

export function Dashboard() {
  usePageTitle('Dashboard');
  return <RequireAuth>{(user) => <DashboardContent user={user} />}</RequireAuth>;
}

function DashboardContent({ user }: { user: User }) {
  const me = useApiData((signal) => api.me(signal).then(updateUser));
  const recent = useApiData((signal) => api.generations({ limit: RECENT_COUNT }, signal));
  const name = user.display_name?.trim() || user.email;
  const items = recent.data?.items ?? [];

  return (
    <>
      <h1 class="page-title">Welcome, {name}</h1>

      <LoadError message={me.error} onRetry={me.retry} />

      <BalanceCard credits={user.credits} loading={me.loading}>
        <p class="muted">$1 buys 100 credits. Each image costs a few credits, and you always see the price first.</p>
        <p class="card-actions">
          <a href="/credits" class="btn btn-primary">
            Buy credits
          </a>
          <a href="/credits/transactions">See your transactions</a>
        </p>
      </BalanceCard>

      <LoadError message={recent.error} onRetry={recent.retry} />

      {recent.loading && !recent.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading your images…
        </p>
      )}

      {items.length > 0 ? (
        <section class="section" aria-labelledby="images-title">
          <div class="section-head">
            <h2 id="images-title">Your recent images</h2>
            <a href="/generate" class="btn btn-primary" data-testid="generate-cta">
              Generate an image
            </a>
          </div>
          <RecentThumbs items={items} />
        </section>
      ) : recent.error ? (
        <p>
          <a href="/generate" class="btn btn-primary" data-testid="generate-cta">
            Generate an image
          </a>
        </p>
      ) : (
        !recent.loading && (
          <section class="empty-state" aria-labelledby="images-title">
            <h2 id="images-title">No images yet</h2>
            <p>
              Your pictures will appear here. Next step: describe the image you want in a prompt, and Pixmint will create it
              using your credits. Your {formatCredits(user.credits)} credits are ready to use.
            </p>
            <p class="empty-state-action">
              <a href="/generate" class="btn btn-primary" data-testid="generate-cta">
                Generate your first image
              </a>
            </p>
          </section>
        )
      )}
    </>
  );
}

/** The thumbnail grid's code loads only when there is something to show. */
function RecentThumbs({ items }: { items: Parameters<ThumbsComponent>[0]['items'] }) {
  const [Thumbs, setThumbs] = useState<ThumbsComponent | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let active = true;
    import('../components/GenerationThumbs').then(
      (module) => active && setThumbs(() => module.GenerationThumbs),
      () => active && setFailed(true),
    );
    return () => {
      active = false;
    };
  }, []);

  if (Thumbs) return <Thumbs items={items} />;
  if (failed) {
    return (
      <p class="muted">
        Your images couldn't be shown. <a href="/generate">See them on the Generate page</a>.
      </p>
    );
  }
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" /> Loading your images…
    </p>
  );
}
