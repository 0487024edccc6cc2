import { api, type User } from '../api';
import { updateUser } from '../auth';
import { BalanceCard } from '../components/BalanceCard';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { useApiData, usePageTitle } from '../hooks';

export function Dashboard() {
  usePageTitle('Dashboard');
  return <RequireAuth>{(user) => <DashboardContent user={user} />}</RequireAuth>;
}

function DashboardContent({ user }: { user: User }) {
  const me = useApiData((signal) => api.me(signal).then(updateUser));
  const name = user.display_name?.trim() || user.email;

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
