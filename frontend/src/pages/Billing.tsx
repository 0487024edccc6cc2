import { useState } from 'preact/hooks';
import { ApiError, api, type Plan, type Subscription } from '../api';
import { FormAlert } from '../components/FormAlert';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { Toast, useToast } from '../components/Toast';
import { checkoutTarget } from '../credits';
import { describeError } from '../forms';
import { formatCredits, formatDateTime, formatMoney } from '../format';
import { useApiData, usePageTitle } from '../hooks';
import './Pricing.css';

const STATUS_TEXT: Partial<Record<Subscription['status'], string>> = {
  active: 'Active',
  trialing: 'Trial',
  past_due: 'Payment failed: Stripe is retrying. Update your card in the portal to keep your plan.',
  unpaid: 'Unpaid: update your card in the portal.',
  incomplete: 'Waiting for the first payment',
  incomplete_expired: 'The first payment never went through',
  paused: 'Paused',
  canceled: 'Cancelled',
};

export function Billing() {
  usePageTitle('Billing');
  return <RequireAuth>{() => <BillingContent />}</RequireAuth>;
}

function BillingContent() {
  const toast = useToast();
  const current = useApiData((signal) =>
    api.subscription(signal).catch((failure: unknown) => {
      if (failure instanceof ApiError && failure.status === 404) return null; // no subscription yet
      throw failure;
    }),
  );
  const plans = useApiData((signal) => api.plans(signal).then((page) => page.items));
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [changed, setChanged] = useState<Subscription | null>(null);
  const subscription = changed ?? current.data;

  async function act(name: string, action: () => Promise<void>) {
    setError(null);
    setBusy(name);
    try {
      await action();
    } catch (failure) {
      setError(describeError(failure, []).form);
    } finally {
      setBusy(null);
    }
  }

  const openPortal = () =>
    act('portal', async () => {
      const portal = await api.billingPortal();
      const target = checkoutTarget(portal.url);
      if (!target) throw new ApiError(0, 'bad_portal_url', 'The billing portal could not be opened. Please try again.');
      location.assign(target);
    });

  const change = (name: string, body: { plan_id?: string; cancel_at_period_end?: boolean }, message: string) =>
    act(name, async () => {
      setChanged(await api.changeSubscription(body));
      toast.show(message);
    });

  const live = subscription && !['canceled', 'incomplete_expired'].includes(subscription.status);
  const others = (plans.data ?? []).filter((plan: Plan) => subscription && plan.id !== subscription.plan.id);

  return (
    <>
      <h1 class="page-title">Billing</h1>
      <LoadError message={current.error} onRetry={current.retry} />
      <FormAlert message={error} />
      {current.loading && !current.data && (
        <p class="loading" role="status">
          <span class="spinner" aria-hidden="true" /> Loading your plan…
        </p>
      )}
      {!current.loading && !current.error && !live && (
        <section class="card" data-testid="no-subscription">
          <h2>No plan</h2>
          <p>
            You pay as you go with credit packs. A plan adds credits every month and a few perks.
            {subscription?.status === 'canceled' && ` Your ${subscription.plan.name} plan was cancelled.`}
          </p>
          <p class="billing-actions">
            <a class="btn btn-primary" href="/pricing">
              See plans
            </a>
            <a class="btn btn-secondary" href="/credits">
              Buy credits
            </a>
          </p>
        </section>
      )}
      {live && subscription && (
        <section class="card" aria-labelledby="plan-title" data-testid="subscription">
          <h2 id="plan-title">{subscription.plan.name}</h2>
          <dl class="billing-facts">
            <dt>Status</dt>
            <dd data-testid="subscription-status">{STATUS_TEXT[subscription.status] ?? subscription.status}</dd>
            <dt>Price</dt>
            <dd>
              {formatMoney(subscription.plan.amount_cents, subscription.plan.currency)} / {subscription.plan.interval}
            </dd>
            <dt>Credits</dt>
            <dd>{formatCredits(subscription.plan.monthly_credits)} credits every month</dd>
            {subscription.current_period_end && (
              <>
                <dt>{subscription.cancel_at_period_end ? 'Ends' : 'Renews'}</dt>
                <dd data-testid="subscription-renewal">{formatDateTime(subscription.current_period_end)}</dd>
              </>
            )}
          </dl>
          <div class="billing-actions">
            <button type="button" class="btn btn-primary" onClick={openPortal} disabled={busy !== null} aria-busy={busy === 'portal' ? 'true' : undefined}>
              {busy === 'portal' && <span class="spinner" aria-hidden="true" />}
              Manage card and invoices
            </button>
            {subscription.cancel_at_period_end ? (
              <button
                type="button"
                class="btn btn-secondary"
                disabled={busy !== null}
                onClick={() => change('resume', { cancel_at_period_end: false }, 'Your plan will renew.')}
              >
                Keep my plan
              </button>
            ) : (
              <button
                type="button"
                class="btn btn-secondary"
                disabled={busy !== null}
                onClick={() => change('cancel', { cancel_at_period_end: true }, 'Your plan ends at the end of this period.')}
              >
                Cancel at the end of the period
              </button>
            )}
          </div>
          {others.length > 0 && (
            <>
              <h3>Switch plan</h3>
              <p class="muted">A switch takes effect from your next invoice; nothing is charged now.</p>
              <ul class="billing-actions" aria-label="Other plans">
                {others.map((plan) => (
                  <li key={plan.id}>
                    <button
                      type="button"
                      class="btn btn-secondary btn-small"
                      disabled={busy !== null}
                      onClick={() => change(`switch-${plan.id}`, { plan_id: plan.id }, `You switch to ${plan.name} from your next invoice.`)}
                    >
                      {plan.name}, {formatMoney(plan.amount_cents, plan.currency)} / {plan.interval}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
      <Toast message={toast.message} onDismiss={toast.hide} />
    </>
  );
}
