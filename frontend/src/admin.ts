import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  download as apiDownload,
  request as apiRequest,
  type Generation,
  type ImageModel,
  type ModelRate,
  type Page,
  type Payment,
  type RequestOptions,
  type Role,
  type Transaction,
  type User,
} from './api';
import { getSession } from './auth';
import type { ApiKey } from './developer';

/**
 * Outside the local stage every admin endpoint answers an admin without two-factor sign-in with a 403 whose
 * details.reason is two_factor_required. Each admin call goes through here, so the admin shell can say what to do
 * instead of every page showing the error.
 */
let twoFactorMissingFor: string | null = null;
const twoFactorListeners = new Set<() => void>();

export function isTwoFactorRequired(error: unknown): boolean {
  return (
    error instanceof ApiError &&
    error.status === 403 &&
    (error.code === 'two_factor_required' || error.reason === 'two_factor_required')
  );
}

function watched<T>(call: Promise<T>): Promise<T> {
  return call.catch((error: unknown) => {
    if (isTwoFactorRequired(error)) {
      twoFactorMissingFor = getSession().user?.id ?? null;
      twoFactorListeners.forEach((listener) => listener());
    }
    throw error;
  });
}

function request<T>(method: string, path: string, options?: RequestOptions): Promise<T> {
  return watched(apiRequest<T>(method, path, options));
}

function download(...args: Parameters<typeof apiDownload>): ReturnType<typeof apiDownload> {
  return watched(apiDownload(...args));
}

/** True once an admin call was refused for want of two-factor sign-in, until this user turns it on. */
export function useTwoFactorMissing(user: User): boolean {
  const [missingFor, setMissingFor] = useState(twoFactorMissingFor);
  useEffect(() => {
    const listener = () => setMissingFor(twoFactorMissingFor);
    listener();
    twoFactorListeners.add(listener);
    return () => {
      twoFactorListeners.delete(listener);
    };
  }, []);
  return missingFor !== null && missingFor === user.id && !user.two_factor;
}

/** The admin endpoints; loaded only by the admin pages. */

export interface AdminUser extends User {
  suspended: boolean;
  flagged: boolean;
  flag_reason: string | null;
  flagged_at: string | null;
  usage: {
    generations: number;
    credits_spent: number;
    credits_bought: number;
    /** The providers' list prices of what was made. */
    estimated_cost_usd: number;
    /** What the providers billed by their reported token usage (the estimate where none was reported). */
    actual_cost_usd: number;
    actual_margin_usd: number;
  };
}

export interface AdminUserDetail extends AdminUser {
  payments: Payment[];
  generations: Generation[];
  api_keys: ApiKey[];
}

export interface PriceRow {
  model: string;
  size: string;
  quality: string;
  credits: number;
  provider_cost_usd: number;
}

/** Credits per megapixel (custom sizes) or per frame (GIFs); fractional credits allowed. */
export interface RateRow {
  model: string;
  unit: ModelRate['unit'];
  quality: string;
  credits: number;
  provider_cost_usd: number;
}

export interface Pricing {
  items: PriceRow[];
  rates: RateRow[];
}

/** US dollars per million tokens, as the provider bills them. */
export interface TokenRates {
  input_text: number;
  input_image: number;
  output_image: number;
}

export interface AdminModel extends ImageModel {
  enabled: boolean;
  position: number;
  /** Why it is unavailable (e.g. the provider answered model_not_found), when it is. */
  unavailable_reason: string | null;
  /** Requests for this model go to that one while it is unavailable. */
  replacement_model: string | null;
  token_rates: TokenRates;
}

export interface ModelChange {
  enabled?: boolean;
  available?: boolean;
  label?: string;
  position?: number;
  /** null clears it. */
  replacement_model?: string | null;
  token_rates?: Partial<TokenRates>;
}

export interface AdminSettings {
  signup_bonus?: number;
  daily_spend_cap: number | null;
  provider_fallback: boolean;
  models: Record<string, boolean>;
}

export interface SettingsChange {
  signup_bonus?: number;
  daily_spend_cap?: number | null;
  provider_fallback?: boolean;
}

export interface StylePresetInput {
  label: string;
  prompt_suffix: string;
  position?: number;
  active?: boolean;
}

export interface PromptTemplateInput {
  label: string;
  template: string;
  position?: number;
  active?: boolean;
}

export interface CreditPackInput {
  label: string;
  credits: number;
  amount_cents: number;
  position?: number;
  active?: boolean;
}

export interface AuditEntry {
  id: string;
  actor_email: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before: unknown;
  after: unknown;
  created_at: string;
}

export type GroupBy = 'day' | 'model' | 'user';

export interface UsageRow {
  group: string;
  email: string | null;
  revenue_cents: number | null;
  credits_sold: number | null;
  credits_spent: number;
  refunds_credits: number;
  payment_refunds_credits: number | null;
  provider_cost_usd: number;
  gross_margin_usd: number;
  margin_pct: number | null;
  actual_cost_usd: number;
  actual_margin_usd: number;
  active_users: number;
  generations: number;
  failed_generations: number;
  failure_rate: number | null;
}

export interface UsageReport {
  from: string;
  to: string;
  group_by: GroupBy;
  generated_at: string;
  rows: UsageRow[];
  total: UsageRow;
}

export interface StatusCounts {
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
}

export interface Metrics {
  generated_at: string;
  generations: { last_hour: StatusCounts; last_day: StatusCounts };
  failure_rate: number | null;
  provider_latency_ms: { p50: number | null; p95: number | null };
  stuck: { queued: number; running: number; total: number };
  queue: { visible: number | null; in_flight: number | null; delayed: number | null; dead_letters: number | null };
}

export interface ReportQuery {
  from: string;
  to: string;
  group_by: GroupBy;
}

const id = encodeURIComponent;

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

export const adminApi = {
  users: (options: { q?: string; limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
    request<Page<AdminUser>>('GET', '/admin/users' + query(options), { signal }),
  user: (userId: string, signal?: AbortSignal) => request<AdminUserDetail>('GET', `/admin/users/${id(userId)}`, { signal }),
  updateUser: (userId: string, body: { suspended?: boolean; role?: Role }) =>
    request<AdminUser>('PATCH', `/admin/users/${id(userId)}`, { body }),
  adjustCredits: (userId: string, body: { delta: number; reason: string }) =>
    request<Transaction>('POST', `/admin/users/${id(userId)}/credits`, { body }),
  pricing: (signal?: AbortSignal) => request<Pricing>('GET', '/admin/pricing', { signal }),
  setPricing: (items: PriceRow[], rates: RateRow[]) => request<Pricing>('PUT', '/admin/pricing', { body: { items, rates } }),
  models: (signal?: AbortSignal) => request<{ items: AdminModel[] }>('GET', '/admin/models', { signal }),
  updateModel: (modelId: string, body: ModelChange) => request<AdminModel>('PATCH', `/admin/models/${id(modelId)}`, { body }),
  settings: (signal?: AbortSignal) => request<AdminSettings>('GET', '/admin/settings', { signal }),
  updateSettings: (body: SettingsChange) => request<AdminSettings>('PATCH', '/admin/settings', { body }),
  setModelEnabled: (modelId: string, enabled: boolean) =>
    request<void>('PUT', `/admin/models/${id(modelId)}`, { body: { enabled } }),
  upsertStylePreset: (presetId: string, body: StylePresetInput) =>
    request<void>('PUT', `/admin/style-presets/${id(presetId)}`, { body }),
  upsertPromptTemplate: (templateId: string, body: PromptTemplateInput) =>
    request<void>('PUT', `/admin/prompt-templates/${id(templateId)}`, { body }),
  upsertCreditPack: (packId: string, body: CreditPackInput) =>
    request<void>('PUT', `/admin/credit-packs/${id(packId)}`, { body }),
  setCommunityHidden: (imageId: string, hidden: boolean) =>
    request<void>(hidden ? 'PUT' : 'DELETE', `/admin/community/${id(imageId)}/hidden`),
  auditLog: (options: { limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
    request<Page<AuditEntry>>('GET', '/admin/audit-log' + query(options), { signal }),
  usageReport: (options: ReportQuery, signal?: AbortSignal) =>
    request<UsageReport>('GET', '/admin/reports/usage' + query({ ...options }), { signal }),
  usageReportCsv: (options: ReportQuery, signal?: AbortSignal) =>
    download(
      '/admin/reports/usage' + query({ ...options, format: 'csv' }),
      'text/csv',
      `pixmint-usage-${options.from}-${options.to}-${options.group_by}.csv`,
      signal,
    ),
  metrics: (signal?: AbortSignal) => request<Metrics>('GET', '/admin/metrics', { signal }),
};

/** "12.5%" from a 0..1 rate; a dash when there is nothing to measure. */
export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return '—';
  return `${(Number(rate) * 100).toFixed(1)}%`;
}

export function formatUsd(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return '—';
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(Number(value));
}
