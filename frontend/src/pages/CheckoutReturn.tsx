import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, type CreditBalance, type Payment, type PaymentStatus } from '../api';
import { updateCredits } from '../auth';
import { BalanceCard } from '../components/BalanceCard';
import { RequireAuth } from '../components/RequireAuth';
import { formatCredits, formatMoney } from '../format';
import { usePageTitle } from '../hooks';
import { usePoll, type PollPhase, type PollSchedule } from '../poll';
import './CheckoutReturn.css';

/** Poll every second at first, backing off to every 5 s, for about a minute. */
const SCHEDULE: PollSchedule = { firstMs: 1_000, maxMs: 5_000, backoff: 1.5, giveUpMs: 60_000, atOnce: true };

const WAITING: readonly PaymentStatus[] = ['open', 'processing'];
const CREDITED: readonly PaymentStatus[] = ['paid', 'refunded', 'partially_refunded', 'disputed'];

export function CheckoutReturn() {
  usePageTitle('Confirming your payment');
  return <RequireAuth>{() => <CheckoutReturnContent />}</RequireAuth>;
}

function CheckoutReturnContent() {
  const { query } = useLocation();
  const checkoutId = query.checkout_id?.trim() ?? '';
  const [payment, setPayment] = useState<Payment | null>(null);
  const [balance, setBalance] = useState<CreditBalance | null>(null);
  const { phase, error, checkAgain } = usePoll(checkoutId || null, (id, signal) => api.payment(id, signal), {
    schedule: SCHEDULE,
    isFinal: (result) => !WAITING.includes(result.status),
    onValue: setPayment,
    onFinal: (result, signal) => {
      if (!CREDITED.includes(result.status)) return;
      return api
        .credits(signal)
        .then((credits) => {
          updateCredits(credits.balance);
          if (!signal.aborted) setBalance(credits);
        })
        .catch(() => undefined); // The payment outcome matters more; the header keeps the old number.
    },
  });

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
            <button type="button" class="btn btn-secondary" onClick={checkAgain}>
              Check again
            </button>
          )}
          {(phase === 'error' || status === 'failed' || status === 'expired') && (
            <>
              <a href="/credits" class="btn btn-primary">
                Back to Buy credits
              </a>
              <a href="/help/credits-and-refunds">Payments and refunds, explained</a>
            </>
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

function describe(phase: PollPhase, status: PaymentStatus | undefined, payment: Payment | null, error: string | null): string[] {
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
