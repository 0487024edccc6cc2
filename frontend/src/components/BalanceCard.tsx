import type { ComponentChildren } from 'preact';
import { formatCredits } from '../format';
import './BalanceCard.css';

interface BalanceCardProps {
  credits: number;
  /** Credits from payments that are still being confirmed. */
  pending?: number;
  loading?: boolean;
  title?: string;
  children?: ComponentChildren;
}

/** The user's credit balance; the number itself carries data-testid="balance". */
export function BalanceCard({ credits, pending = 0, loading, title = 'Credit balance', children }: BalanceCardProps) {
  return (
    <section class="card balance-card" aria-labelledby="balance-title" aria-busy={loading ? 'true' : undefined}>
      <h2 id="balance-title">{title}</h2>
      <p class="balance">
        <span data-testid="balance" class={credits < 0 ? 'balance-number balance-negative' : 'balance-number'}>
          {formatCredits(credits)}
        </span>{' '}
        <span class="balance-unit">credits</span>
      </p>
      {pending > 0 && (
        <p class="muted" data-testid="pending">
          Plus {formatCredits(pending)} credits from payments still being confirmed.
        </p>
      )}
      {credits < 0 && (
        <p class="balance-note">
          Your balance is below zero because a payment was refunded or disputed. Buy credits to bring it back above zero.
        </p>
      )}
      {children}
    </section>
  );
}
