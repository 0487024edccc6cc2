import type { Quote } from '../api';
import { creditsText } from '../generations';
import { breakdownText } from './options';
import type { Shortfall } from './useGenerationRequests';

interface QuoteSummaryProps {
  /** Credits for the whole request; null while there is no price. */
  cost: number | null;
  balance: number;
  short: boolean;
  quote: Quote | null;
  quoting: boolean;
  /** The quote's complaint that names no field. */
  problem: string | null;
  sizeInvalid: boolean;
  /** The balance a 402 reported, when the price went past it. */
  shortfall: Shortfall | null;
}

/** The price and the balance after it, with its breakdown, and what to do when the balance isn't enough. */
export function QuoteSummary({ cost, balance, short, quote, quoting, problem, sizeInvalid, shortfall }: QuoteSummaryProps) {
  return (
    <>
      <div class={short ? 'quote quote-short' : 'quote'} role="status" data-testid="quote" aria-busy={quoting ? 'true' : undefined}>
        {cost === null ? (
          (problem ?? (sizeInvalid ? 'Fix the size to see the price.' : 'This choice has no price yet.'))
        ) : (
          <>
            Cost: <strong data-testid="quote-cost">{creditsText(cost)}</strong> · Balance after:{' '}
            <strong>{creditsText(balance - cost)}</strong>
          </>
        )}
        {cost !== null && problem && <span class="quote-problem"> ({problem})</span>}
        {quote && (
          <span class="quote-breakdown" data-testid="quote-breakdown">
            {breakdownText(quote.breakdown)}
          </span>
        )}
      </div>

      {short && (
        <p id="short-note" class="alert alert-error" data-testid="insufficient-note">
          Your balance of {creditsText(balance)} isn't enough for this. <a href="/credits">Buy credits</a>, or choose fewer
          images.
        </p>
      )}

      {shortfall && !short && (
        <div class="alert alert-error" role="alert" data-testid="insufficient-credits">
          <p>
            This costs {creditsText(shortfall.cost)}; your balance is {creditsText(shortfall.balance)}.{' '}
            <a href="/credits">Buy credits</a>
          </p>
        </div>
      )}
    </>
  );
}
