import type { Quote } from '../api';
import { formatNumber } from '../format';
import { creditsText } from '../generations';
import { breakdownText } from './options';
import type { Shortfall } from './useGenerationRequests';

interface PriceLineProps {
  /** Credits for the whole request; null while there is no price. */
  cost: number | null;
  /** Credits per image with these settings. */
  unit: number | null;
  balance: number;
  short: boolean;
  quoting: boolean;
  /** The quote's complaint that names no field. */
  problem: string | null;
  sizeInvalid: boolean;
  loading: boolean;
}

/** How many images like these a number of credits buys, rounded down. */
export function imagesFor(credits: number, unit: number | null): number | null {
  return unit && unit > 0 ? Math.max(0, Math.floor(credits / unit)) : null;
}

/** The price, in the prompt bar: "Cost: 2 credits · 48 credits left ≈ 24 images". */
export function PriceLine({ cost, unit, balance, short, quoting, problem, sizeInvalid, loading }: PriceLineProps) {
  const left = imagesFor(balance, unit);
  return (
    <div class={short ? 'quote quote-short' : 'quote'} role="status" data-testid="quote" aria-busy={quoting || loading ? 'true' : undefined}>
      {loading ? (
        'Loading prices…'
      ) : cost === null ? (
        (problem ?? (sizeInvalid ? 'Fix the size to see the price.' : 'This choice has no price yet.'))
      ) : (
        <>
          <span class="quote-cost">
            Cost: <strong data-testid="quote-cost">{creditsText(cost)}</strong>
          </span>{' '}
          <span class="quote-balance" data-testid="quote-balance">
            · your {creditsText(balance)}
            {left !== null && (
              <>
                {' '}
                ≈ {formatNumber(left)} {left === 1 ? 'image' : 'images'}
              </>
            )}
          </span>
          {problem && <span class="quote-problem"> ({problem})</span>}
        </>
      )}
    </div>
  );
}

/** The quote's breakdown, in the settings: "1.53 MP × 1 credit/MP = 2 credits per image". */
export function PriceDetails({ quote, cost, balance }: { quote: Quote | null; cost: number | null; balance: number }) {
  return (
    <section class="panel-section price-details" aria-labelledby="price-title">
      <h3 id="price-title">Price</h3>
      {quote ? (
        <p class="quote-breakdown" data-testid="quote-breakdown">
          {breakdownText(quote.breakdown)}
        </p>
      ) : (
        <p class="quote-breakdown muted">Write a prompt to get the exact price.</p>
      )}
      {cost !== null && (
        <p class="muted">
          Balance after: <strong>{creditsText(balance - cost)}</strong> · <a href="/credits">Buy credits</a>
        </p>
      )}
    </section>
  );
}

/** What to do when the balance isn't enough: said beside the Generate button. */
export function ShortNotes({ balance, short, shortfall }: { balance: number; short: boolean; shortfall: Shortfall | null }) {
  return (
    <>
      {short && (
        <p id="short-note" class="alert alert-error" data-testid="insufficient-note">
          Your balance of {creditsText(balance)} isn't enough for this. <a href="/credits">Buy credits</a>, or choose fewer
          images. <a href="/help/pricing">How pricing works</a>
        </p>
      )}
      {shortfall && !short && (
        <div class="alert alert-error" role="alert" data-testid="insufficient-credits">
          <p>
            This costs {creditsText(shortfall.cost)}; your balance is {creditsText(shortfall.balance)}.{' '}
            <a href="/credits">Buy credits</a> · <a href="/help/pricing">How pricing works</a>
          </p>
        </div>
      )}
    </>
  );
}
