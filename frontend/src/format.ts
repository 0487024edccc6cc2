/**
 * Every number the app shows goes through here, so each reads the same everywhere: US grouping ("2,100"), since the
 * copy is English, and a true minus sign ("−30"). Credits: 1 USD = 100 credits.
 */
const MINUS = '\u2212';
const formats = new Map<string, Intl.NumberFormat>();

/** One cached formatter per shape; a currency without digits keeps its own (two for USD, none for JPY). */
function numberFormat(minimumFractionDigits?: number, maximumFractionDigits?: number, currency?: string): Intl.NumberFormat {
  const key = `${minimumFractionDigits}|${maximumFractionDigits}|${currency ?? ''}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat('en-US', {
      ...(minimumFractionDigits === undefined ? {} : { minimumFractionDigits }),
      ...(maximumFractionDigits === undefined ? {} : { maximumFractionDigits }),
      ...(currency ? { style: 'currency', currency } : {}),
    });
    formats.set(key, format);
  }
  return format;
}

function signed(value: number, text: (magnitude: number) => string): string {
  const shown = text(Math.abs(value));
  // A value that rounds to zero is shown without a sign ("0", not "−0").
  return value < 0 && /[1-9]/.test(shown) ? MINUS + shown : shown;
}

/** Every count the app shows, one format: "1,050"; with `fractionDigits`, up to that many decimals: "1.47". */
export function formatNumber(value: number, fractionDigits = 0): string {
  return signed(value, (magnitude) => numberFormat(0, fractionDigits).format(magnitude));
}

/** An image's size in pixels: "1,536 × 1,024". */
export function formatSize(width: number, height: number): string {
  return `${formatNumber(width)} × ${formatNumber(height)}`;
}

/** Whole credits: "2,100"; a rate may keep decimals: formatCredits(0.125, 3) is "0.125". */
export function formatCredits(credits: number, fractionDigits = 0): string {
  return formatNumber(credits, fractionDigits);
}

/** A change in credits, always with its sign so it never relies on colour: "+2,100", "−30". */
export function formatDelta(delta: number): string {
  return (delta > 0 ? '+' : '') + formatNumber(delta);
}

/** A percentage given in percent, with a fixed number of decimals so a column lines up: "12.5%", "−3.0%". */
export function formatPercent(percent: number, fractionDigits = 1): string {
  return signed(percent, (magnitude) => numberFormat(fractionDigits, fractionDigits).format(magnitude)) + '%';
}

/** An amount of money in its smallest unit (cents): "$9.99", "€1,000.00". */
export function formatMoney(cents: number, currency = 'usd'): string {
  const code = currency.toUpperCase();
  try {
    return signed(cents, (magnitude) => numberFormat(undefined, undefined, code).format(magnitude / 100));
  } catch {
    return `${formatNumber(cents / 100, 2)} ${code}`;
  }
}

/**
 * US dollars given as dollars, with `fractionDigits` decimals, or up to `maxFractionDigits` where a provider's cost
 * goes below a cent: formatUsd(0.04, 4) is "$0.0400", formatUsd(0.0375, 2, 4) is "$0.0375".
 */
export function formatUsd(dollars: number, fractionDigits = 2, maxFractionDigits = fractionDigits): string {
  return signed(dollars, (magnitude) => numberFormat(fractionDigits, maxFractionDigits, 'USD').format(magnitude));
}

/** A file size: "900 KB", "10 MB", "1.5 MB" (1 MB = 1,000,000 bytes, as the upload limits are written). */
export function formatBytes(bytes: number): string {
  if (bytes < 1_000) return `${formatNumber(bytes)} bytes`;
  if (bytes < 1_000_000) return `${formatNumber(bytes / 1_000)} KB`;
  return `${formatNumber(bytes / 1_000_000, 1)} MB`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** In the reader's own locale and time zone; the machine-readable value goes in <time datetime>. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** How long until something may be tried again (a 429's Retry-After): "40 seconds", "60 minutes", "2 hours". */
export function formatWait(seconds: number): string {
  const plural = (n: number, unit: string) => `${formatNumber(n)} ${unit}${n === 1 ? '' : 's'}`;
  if (seconds < 60) return plural(Math.max(1, Math.ceil(seconds)), 'second');
  // "60 minutes" reads better than "1 hour" for an hourly limit that has only just been reached.
  if (seconds <= 90 * 60) return plural(Math.ceil(seconds / 60), 'minute');
  return plural(Math.ceil(seconds / 3600), 'hour');
}
