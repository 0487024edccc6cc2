import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError, api, type CheckoutRequest, type CreditPack, type User } from '../api';
import { updateCredits } from '../auth';
import { BalanceCard } from '../components/BalanceCard';
import { Field } from '../components/Field';
import { FormAlert } from '../components/FormAlert';
import { LoadError } from '../components/LoadError';
import { RequireAuth } from '../components/RequireAuth';
import { SubmitButton } from '../components/SubmitButton';
import { defaultImagePrice, imagesWorth, type ImagePrice } from '../credits-images';
import { loadModels } from '../library';
import { CUSTOM_MAX_DOLLARS, CUSTOM_MIN_DOLLARS, checkoutTarget, newIdempotencyKey, parseDollars } from '../credits';
import { formatCredits, formatMoney, formatUsd } from '../format';
import { type FieldErrors, useFormSubmit } from '../forms';
import { useApiData, usePageTitle } from '../hooks';
import './BuyCredits.css';

const CUSTOM = 'custom';
const FIELDS = ['amount_cents'] as const;
const PREFERRED_PACK = 'standard';
const RANGE = `${formatUsd(CUSTOM_MIN_DOLLARS, 0)} to ${formatUsd(CUSTOM_MAX_DOLLARS, 0)}`;
const AMOUNT_ERROR = `Enter a whole-dollar amount from ${RANGE}.`;

export function BuyCredits() {
  usePageTitle('Buy credits');
  return <RequireAuth>{(user) => <BuyCreditsContent user={user} />}</RequireAuth>;
}

interface Attempt {
  body: string;
  key: string;
}

function BuyCreditsContent({ user }: { user: User }) {
  const { query } = useLocation();
  const cancelled = query.cancelled === '1';

  const balance = useApiData((signal) =>
    api.credits(signal).then((result) => {
      updateCredits(result.balance);
      return result;
    }),
  );
  const packs = useApiData((signal) => api.creditPacks(signal).then((result) => result.items));
  const models = useApiData((_signal) => loadModels());
  const imagePrice = defaultImagePrice(models.data);

  const [selected, setSelected] = useState<string | null>(null);
  const [customText, setCustomText] = useState('');
  const [redirecting, setRedirecting] = useState(false);
  const attempt = useRef<Attempt | null>(null);
  const { busy, errors, run, clear, formRef } = useFormSubmit(FIELDS);

  // Preselect a pack once they arrive; with no packs, the custom amount is the only choice.
  useEffect(() => {
    if (packs.loading) return;
    const items = packs.data ?? [];
    // Functional update: the user may have picked something between this render and the effect.
    setSelected((current) => current ?? (items.find((pack) => pack.id === PREFERRED_PACK) ?? items[0])?.id ?? CUSTOM);
  }, [packs.loading, packs.data]);

  // Coming back with the browser's Back button restores this page from the cache as it was left.
  useEffect(() => {
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted) setRedirecting(false);
    };
    addEventListener('pageshow', onPageShow);
    return () => removeEventListener('pageshow', onPageShow);
  }, []);

  const pack = packs.data?.find((item) => item.id === selected) ?? null;
  const customDollars = parseDollars(customText);
  const choice: { cents: number; credits: number } | null =
    selected === CUSTOM
      ? customDollars === null
        ? null
        : { cents: customDollars * 100, credits: customDollars * 100 }
      : pack && { cents: pack.amount_cents, credits: pack.credits };

  function choose(id: string) {
    setSelected(id);
    clear();
  }

  function handleSubmit(event: Event) {
    event.preventDefault();
    if (redirecting || selected === null) return;
    void run(
      (): FieldErrors => (selected === CUSTOM && customDollars === null ? { amount_cents: AMOUNT_ERROR } : {}),
      async () => {
        const body: CheckoutRequest =
          selected === CUSTOM ? { amount_cents: (customDollars ?? 0) * 100 } : { pack_id: selected };
        // One key per purchase attempt: a double click or a retry of the same choice reuses it.
        const bodyText = JSON.stringify(body);
        if (attempt.current?.body !== bodyText) attempt.current = { body: bodyText, key: newIdempotencyKey() };
        try {
          const session = await api.checkout(body, attempt.current.key);
          const target = checkoutTarget(session.checkout_url);
          if (!target) throw new ApiError(0, 'bad_checkout_url', 'Checkout could not be started. Please try again.');
          setRedirecting(true);
          location.assign(target);
        } catch (error) {
          // A definite refusal ends this attempt; after network trouble or a server error, retry with the same key.
          if (error instanceof ApiError && error.status >= 400 && error.status < 500 && ![409, 429].includes(error.status)) {
            attempt.current = null;
          }
          throw error;
        }
      },
    );
  }

  return (
    <>
      <h1 class="page-title" id="buy-title">
        Buy credits
      </h1>

      {cancelled && (
        <p class="alert alert-info" role="status" data-testid="checkout-cancelled">
          Checkout cancelled; you were not charged.
        </p>
      )}

      <LoadError message={balance.error} onRetry={balance.retry} />

      <div class="buy-layout">
        <BalanceCard credits={user.credits} pending={balance.data?.pending} loading={balance.loading} title="Your balance">
          <p class="muted">$1 buys 100 credits. Credits never expire.</p>
          <p>
            <a href="/credits/transactions">View your transaction history</a>
          </p>
        </BalanceCard>

        <form ref={formRef} class="buy-form" onSubmit={handleSubmit} noValidate aria-labelledby="buy-title">
          <FormAlert message={errors.form} />
          <LoadError message={packs.error} onRetry={packs.retry} />

          <fieldset class="pack-group" aria-busy={packs.loading ? 'true' : undefined}>
            <legend>Choose how many credits to buy</legend>
            {packs.loading && (
              <p class="loading" role="status">
                <span class="spinner" aria-hidden="true" /> Loading credit packs…
              </p>
            )}
            <div class="pack-grid">
              {(packs.data ?? []).map((item) => (
                <PackOption key={item.id} pack={item} checked={selected === item.id} onChoose={choose} price={imagePrice} />
              ))}
              <label class="pack-option">
                <input
                  type="radio"
                  name="pack"
                  value={CUSTOM}
                  checked={selected === CUSTOM}
                  onChange={() => choose(CUSTOM)}
                  data-testid="pack-custom"
                />
                <span class="pack-body">
                  <span class="pack-credits">Custom amount</span>{' '}
                  <span class="pack-label">
                    {RANGE}, whole dollars
                  </span>
                </span>
              </label>
            </div>

            {selected === CUSTOM && (
              <div class="custom-amount">
                <Field
                  id="custom-amount"
                  label="Amount in US dollars"
                  type="number"
                  min={CUSTOM_MIN_DOLLARS}
                  max={CUSTOM_MAX_DOLLARS}
                  step={1}
                  hint={`Whole dollars from ${RANGE}. Each dollar buys 100 credits.`}
                  value={customText}
                  onValue={(value) => {
                    setCustomText(value);
                    if (errors.fields.amount_cents) clear();
                  }}
                  error={errors.fields.amount_cents}
                >
                  {customDollars !== null && (
                    <p class="custom-credits" data-testid="custom-credits">
                      Buys {formatCredits(customDollars * 100)} credits
                    </p>
                  )}
                </Field>
              </div>
            )}
          </fieldset>

          <p class="checkout-summary" role="status" data-testid="checkout-summary">
            {choice ? (
              <>
                You pay <strong>{formatMoney(choice.cents)}</strong> for <strong>{formatCredits(choice.credits)} credits</strong>
                {imagesWorth(choice.credits, imagePrice) ? ` (${imagesWorth(choice.credits, imagePrice)})` : ''}.
              </>
            ) : selected === CUSTOM ? (
              AMOUNT_ERROR
            ) : (
              'Choose a pack or a custom amount.'
            )}
          </p>

          <SubmitButton busy={busy || redirecting} busyText={redirecting ? 'Taking you to checkout…' : 'Starting checkout…'}>
            Continue to checkout
          </SubmitButton>
          <p class="muted form-note">
            You'll pay on a secure checkout page and come straight back here. Prices are in US dollars.
          </p>
        </form>
      </div>
    </>
  );
}

interface PackOptionProps {
  pack: CreditPack;
  checked: boolean;
  onChoose: (id: string) => void;
  price: ImagePrice | null;
}

function PackOption({ pack, checked, onChoose, price }: PackOptionProps) {
  const worth = imagesWorth(pack.credits, price);
  return (
    <label class="pack-option">
      <input
        type="radio"
        name="pack"
        value={pack.id}
        checked={checked}
        onChange={() => onChoose(pack.id)}
        data-testid={`pack-${pack.id}`}
      />
      <span class="pack-body">
        <span class="pack-credits">{formatCredits(pack.credits)} credits</span>{' '}
        <span class="pack-price">
          <span class="visually-hidden">for </span>
          {formatMoney(pack.amount_cents, pack.currency)}
        </span>{' '}
        <span class="pack-label">{pack.label}</span>
        {worth && (
          <>
            {' '}
            <span class="pack-images" data-testid={`pack-images-${pack.id}`}>
              {worth}
            </span>
          </>
        )}
      </span>
    </label>
  );
}
