import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError, api, type CreditBalance, type Payment, type PaymentStatus } from '../api';
import { updateCredits } from '../auth';
import { BalanceCard } from '../components/BalanceCard';
import { RequireAuth } from '../components/RequireAuth';
import { formatCredits, formatMoney } from '../format';
import { describeError } from '../forms';
import { usePageTitle } from '../hooks';

/** Poll every second at first, backing off to every 5 s, for about a minute. */
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 5_000;
const BACKOFF = 1.5;
const GIVE_UP_AFTER_MS = 60_000;

const WAITING: readonly PaymentStatus[] = ['open', 'processing'];
const CREDITED: readonly PaymentStatus[] = ['paid', 'refunded', 'partially_refunded', 'disputed'];

export function CheckoutReturn() {
  usePageTitle('Confirming your payment');
  return <RequireAuth>{() => <CheckoutReturnContent />}</RequireAuth>;
}

type Phase = 'polling' | 'done' | 'gave_up' | 'error';

function CheckoutReturnContent() {
  const { query } = useLocation();
  const checkoutId = query.checkout_id?.trim() ?? '';
  const [payment, setPayment] = useState<Payment | null>(null);
  const [phase, setPhase] = useState<Phase>('polling');
  const [error, setError] = useState<string | null>(null);
  const [balance, setBalance] = useState<CreditBalance | null>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (!checkoutId) return;
    const controller = new AbortController();
    const startedAt = Date.now();
    let delay = FIRST_DELAY_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setPhase('polling');
    setError(null);

    const loadBalance = () =>
      api
        .credits(controller.signal)
        .then((result) => {
          updateCredits(result.balance);
          if (!controller.signal.aborted) setBalance(result);
        })
        .catch(() => undefined); // The payment outcome matters more; the header keeps the old number.

    async function poll() {
      try {
        const result = await api.payment(checkoutId, controller.signal);
        if (controller.signal.aborted) return;
        setPayment(result);
        if (!WAITING.includes(result.status)) {
          if (CREDITED.includes(result.status)) await loadBalance();
          if (!controller.signal.aborted) setPhase('done');
          return;
        }
      } catch (failure) {
        if (controller.signal.aborted) return;
        // A definite "no" (not found, not yours) ends it; network trouble and server errors are retried.
        if (failure instanceof ApiError && failure.status >= 400 && failure.status < 500 && failure.status !== 429) {
          setError(describeError(failure, []).form);
          setPhase('error');
          return;
        }
      }
      if (Date.now() - startedAt + delay > GIVE_UP_AFTER_MS) {
        setPhase('gave_up');
        return;
      }
      timer = setTimeout(poll, delay);
      delay = Math.min(MAX_DELAY_MS, Math.round(delay * BACKOFF));
    }

    void poll();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [checkoutId, round]);

  if (!checkoutId) {
    return (
      <>
        <h1 class="page-title">Your payment</h1>
        <div class="alert alert-error" role="alert">
          <p>This page needs a checkout reference, and the link you followed doesn't have one.</p>
          <p>
            <a href="/credits">Back to Buy credits</a>
          </p>
        </div>
      </>
    );
  }

  const status = payment?.status;
  const message = describe(phase, status, payment, error);
  const tone = phase === 'error' || status === 'failed' || status === 'expired' ? 'error' : status === 'paid' ? 'success' : 'info';
  const busy = phase === 'polling';

  return (
    <>
      <h1 class="page-title">Your payment</h1>

      <section class={`card payment-panel payment-${tone}`} aria-labelledby="payment-title" aria-busy={busy ? 'true' : undefined}>
        <h2 id="payment-title" class="visually-hidden">
          Payment status
        </h2>
        <div class="payment-message">
          {busy && <span class="spinner" aria-hidden="true" />}
          <div role="status" data-testid="payment-status" data-status={status ?? (phase === 'error' ? 'error' : 'checking')}>
            {message.map((line) => (
              <p key={line}>{line}</p>
            ))}
          </div>
        </div>

        {payment && (
          <dl class="payment-details">
            <div>
              <dt>Amount</dt>
              <dd>{formatMoney(payment.amount_cents, payment.currency)}</dd>
            </div>
            <div>
              <dt>Credits</dt>
              <dd>{formatCredits(payment.credits)}</dd>
            </div>
          </dl>
        )}

        <p class="card-actions">
          {phase === 'gave_up' && (
            <button type="button" class="btn btn-secondary" onClick={() => setRound((n) => n + 1)}>
              Check again
            </button>
          )}
          {(phase === 'error' || status === 'failed' || status === 'expired') && (
            <a href="/credits" class="btn btn-primary">
              Back to Buy credits
            </a>
          )}
          {status === 'paid' && (
            <a href="/dashboard" class="btn btn-primary">
              Go to your dashboard
            </a>
          )}
          <a href="/credits/transactions">View your transactions</a>
        </p>
      </section>

      {balance && <BalanceCard credits={balance.balance} pending={balance.pending} title="Your new balance" />}
    </>
  );
}

function describe(phase: Phase, status: PaymentStatus | undefined, payment: Payment | null, error: string | null): string[] {
  if (phase === 'error') return [error ?? "We couldn't find this payment.", 'If you were charged, your credits will still arrive.'];
  const credits = payment ? formatCredits(payment.credits) : '';
  const reason = payment?.failure_reason?.trim();
  switch (status) {
    case 'paid':
      return [`Payment received: ${credits} credits added.`];
    case 'processing':
      return [
        'Your payment is processing.',
        "Bank payments can take a while, sometimes a few business days. We'll add your credits as soon as it clears; you can safely leave this page.",
      ];
    case 'failed':
      return [
        'Your payment failed, so no credits were added and you were not charged.',
        reason ? `Reason: ${reason}` : 'The card or bank declined it.',
        'You can try again, with another payment method if needed.',
      ];
    case 'expired':
      return [
        'The checkout expired before the payment was completed. You were not charged.',
        ...(reason ? [`Reason: ${reason}`] : []),
      ];
    case 'refunded':
      return ['This payment has been refunded, and its credits were removed from your balance.'];
    case 'partially_refunded':
      return ['This payment has been partly refunded, and the matching credits were removed from your balance.'];
    case 'disputed':
      return ['This payment is disputed with your bank, and its credits were taken back from your balance.'];
    default:
      if (phase === 'gave_up') {
        return [
          "We haven't had confirmation from the payment provider yet.",
          "If you completed the payment, your credits will appear shortly. You won't be charged twice.",
        ];
      }
      return ['Confirming your payment…'];
  }
}
