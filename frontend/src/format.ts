/** Credits: 1 USD = 100 credits. The app's copy is English, so numbers use US grouping ("2,100"). */
const creditNumber = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const MINUS = '\u2212';

/** Every count the app shows, one format: "1,050". */
export function formatNumber(value: number): string {
  return creditNumber.format(value);
}

/** An image's size in pixels: "1,536 × 1,024". */
export function formatSize(width: number, height: number): string {
  return `${creditNumber.format(width)} × ${creditNumber.format(height)}`;
}

export function formatCredits(credits: number): string {
  const text = creditNumber.format(Math.abs(credits));
  return credits < 0 ? MINUS + text : text;
}

/** A change in credits, always with its sign so it never relies on colour: "+2,100", "−30". */
export function formatDelta(delta: number): string {
  return (delta > 0 ? '+' : delta < 0 ? MINUS : '') + creditNumber.format(Math.abs(delta));
}

export function formatMoney(cents: number, currency = 'usd'): string {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** In the reader's own locale and time zone; the machine-readable value goes in <time datetime>. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** How long until something may be tried again (a 429's Retry-After): "40 seconds", "60 minutes", "2 hours". */
export function formatWait(seconds: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds < 60) return plural(Math.max(1, Math.ceil(seconds)), 'second');
  // "60 minutes" reads better than "1 hour" for an hourly limit that has only just been reached.
  if (seconds <= 90 * 60) return plural(Math.ceil(seconds / 60), 'minute');
  return plural(Math.ceil(seconds / 3600), 'hour');
}
