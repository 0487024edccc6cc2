import { useState } from 'preact/hooks';
import { ApiError, api, type Plan } from '../api';
import { setReturnTo, useSession } from '../auth';
import { FormAlert } from '../components/FormAlert';
import { LoadError } from '../components/LoadError';
import { checkoutTarget } from '../credits';
import { defaultImagePrice, imagesWorth, type ImagePrice } from '../credits-images';
import { describeError } from '../forms';
import { formatCredits, formatMoney } from '../format';
import { useApiData, usePageTitle } from '../hooks';
import { loadModels } from '../library';
import './Pricing.css';

type Interval = Plan['interval'];

/** Plans and packs side by side, in images as well as credits; anyone may read it, subscribing needs an account. */
export function Pricing() {
  usePageTitle('Pricing');
  const session = useSession();
  const plans = useApiData((signal) => api.plans(signal).then((page) => page.items));
  const packs = useApiData((signal) => api.creditPacks(signal).then((page) => page.items));
  const models = useApiData((_signal) => loadModels());
  const price = defaultImagePrice(models.data);
  const [interval, setInterval] = useState<Interval>('month');
  const [busyPlan, setBusyPlan] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const signedIn = session.status === 'authenticated';
  const shown = (plans.data ?? []).filter((plan) => plan.interval === interval);
  const intervals = new Set((plans.data ?? []).map((plan) => plan.interval));

  async function choose(plan: Plan) {
    setError(null);
    if (!signedIn) {
      setReturnTo('/pricing');
      location.assign('/signup');
      return;
    }
    setBusyPlan(plan.id);
    try {
      const started = await api.subscribe(plan.id);
      const target = checkoutTarget(started.checkout_url);
      if (!target) throw new ApiError(0, 'bad_checkout_url', 'Checkout could not be started. Please try again.');
      location.assign(target);
    } catch (failure) {
      setBusyPlan(null);
      setError(
        failure instanceof ApiError && failure.status === 409
          ? 'You already have a plan. Switch or cancel it on the Billing page.'
          : describeError(failure, []).form,
      );
    }
  }

  return (
    <>
      <h1 class="page-title">Pricing</h1>
      <p class="page-intro">
        Pay as you go with credit packs, or subscribe for credits every month and a few perks. $1 buys 100 credits;
        purchased credits never expire.
      </p>
      <FormAlert message={error} />
      {error?.startsWith('You already have a plan') && (
        <p>
          <a href="/billing">Go to Billing</a>
        </p>
      )}

      <section class="section" aria-labelledby="plans-title">
        <div class="section-head">
          <h2 id="plans-title">Plans</h2>
          {intervals.size > 1 && (
            <div class="interval-switch" role="radiogroup" aria-label="Billing interval">
              {(['month', 'year'] as const).map((value) => (
                <label key={value} class="chip">
                  <input
                    type="radio"
                    name="interval"
                    value={value}
                    checked={interval === value}
                    onChange={() => setInterval(value)}
                    data-testid={`interval-${value}`}
                  />
                  {value === 'month' ? 'Monthly' : 'Yearly'}
                </label>
              ))}
            </div>
          )}
        </div>
        <LoadError message={plans.error} onRetry={plans.retry} />
        {plans.loading && !plans.data && <div class="plan-grid plan-grid--placeholder" aria-hidden="true" />}
        {plans.data && shown.length === 0 && <p class="muted">No plans are on sale right now; packs are below.</p>}
        <div class="plan-grid">
          {shown.map((plan) => (
            <PlanCard key={plan.id} plan={plan} price={price} busy={busyPlan === plan.id} disabled={busyPlan !== null} onChoose={choose} />
          ))}
        </div>
        <p class="muted">
          A plan's credits last to the end of the month they are for. Cancel any time from Billing; you keep what
          was granted.
        </p>
      </section>

      <section class="section" aria-labelledby="packs-title">
        <h2 id="packs-title">Credit packs</h2>
        <LoadError message={packs.error} onRetry={packs.retry} />
        <ul class="pricing-packs">
          {(packs.data ?? []).map((pack) => (
            <li key={pack.id} class="card pricing-pack" data-testid={`pricing-pack-${pack.id}`}>
              <strong>{formatCredits(pack.credits)} credits</strong>
              <span class="pricing-amount">{formatMoney(pack.amount_cents, pack.currency)}</span>
              <span class="muted">{pack.label}</span>
              {imagesWorth(pack.credits, price) && <span>{imagesWorth(pack.credits, price)}</span>}
            </li>
          ))}
        </ul>
        <p>
          <a class="btn btn-secondary" href={signedIn ? '/credits' : '/signup'}>
            {signedIn ? 'Buy credits' : 'Sign up to buy credits'}
          </a>
        </p>
      </section>
    </>
  );
}

interface PlanCardProps {
  plan: Plan;
  price: ImagePrice | null;
  busy: boolean;
  disabled: boolean;
  onChoose: (plan: Plan) => void;
}

function PlanCard({ plan, price, busy, disabled, onChoose }: PlanCardProps) {
  const worth = imagesWorth(plan.monthly_credits, price);
  const perks = [
    plan.perks.pack_discount_percent > 0 && `${plan.perks.pack_discount_percent}% off credit packs`,
    plan.perks.parallel_generations > 1 && `${plan.perks.parallel_generations} generations at once`,
    plan.perks.queue_priority && 'Priority in the queue',
    plan.perks.premium_models && 'Premium models',
  ].filter((perk): perk is string => Boolean(perk));
  const titleId = `plan-${plan.id}-title`;
  return (
    <article class="card plan-card" aria-labelledby={titleId} data-testid={`plan-${plan.id}`}>
      <h3 id={titleId}>{plan.name}</h3>
      <p class="pricing-amount">
        {formatMoney(plan.amount_cents, plan.currency)}
        <span class="muted"> / {plan.interval}</span>
      </p>
      <p>
        <strong>{formatCredits(plan.monthly_credits)} credits</strong> every month
        {worth && <span class="plan-images"> ({worth})</span>}
      </p>
      {perks.length > 0 && (
        <ul class="plan-perks">
          {perks.map((perk) => (
            <li key={perk}>{perk}</li>
          ))}
        </ul>
      )}
      <button type="button" class="btn btn-primary" onClick={() => onChoose(plan)} disabled={disabled} aria-busy={busy ? 'true' : undefined}>
        {busy && <span class="spinner" aria-hidden="true" />}
        Choose {plan.name}
      </button>
    </article>
  );
}
