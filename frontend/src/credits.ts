import type { PaymentStatus, TransactionKind } from './api';

export const KIND_LABELS: Record<TransactionKind, string> = {
  purchase: 'Purchase',
  generation: 'Image generation',
  generation_refund: 'Refund for failed image',
  signup_bonus: 'Welcome bonus',
  admin_grant: 'Added by admin',
  admin_debit: 'Removed by admin',
  payment_refund: 'Payment refunded',
  dispute: 'Payment disputed',
  subscription_grant: 'Plan allowance',
  referral_reward: 'Referral reward',
  credit_expiry: 'Credits expired',
  team_transfer: 'Team transfer',
};

export const STATUS_LABELS: Record<PaymentStatus, string> = {
  open: 'Awaiting payment',
  processing: 'Processing',
  paid: 'Paid',
  failed: 'Failed',
  expired: 'Expired',
  refunded: 'Refunded',
  partially_refunded: 'Partly refunded',
  disputed: 'Disputed',
};

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind as TransactionKind] ?? kind.replace(/_/g, ' ');
}

export function statusLabel(status: string): string {
  return STATUS_LABELS[status as PaymentStatus] ?? status.replace(/_/g, ' ');
}

/** A random v4 UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Custom purchases: whole dollars from $5 to $500. */
export const CUSTOM_MIN_DOLLARS = 5;
export const CUSTOM_MAX_DOLLARS = 500;

/** Whole dollars within the allowed range, or null. Accepts "20" and "20.00" but not "20.5". */
export function parseDollars(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+(\.0+)?$/.test(trimmed)) return null;
  const dollars = Number.parseInt(trimmed, 10);
  return dollars >= CUSTOM_MIN_DOLLARS && dollars <= CUSTOM_MAX_DOLLARS ? dollars : null;
}

/** Only a web address may be followed: never javascript: or similar. */
export function checkoutTarget(url: string): string | null {
  try {
    const target = new URL(url, location.href);
    return target.protocol === 'https:' || target.protocol === 'http:' ? target.href : null;
  } catch {
    return null;
  }
}
