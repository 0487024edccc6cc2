import { useEffect, useState } from 'preact/hooks';
import { ApiError, download as apiDownload, request as apiRequest, type RequestOptions, type Transaction, type User } from './api';
import type { JsonAnswer, JsonBody, Schemas } from './api-types';
import { getSession } from './auth';
import { formatPercent, formatUsd as formatDollars } from './format';

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

export type AdminUser = Schemas['AdminUser'];
export type AdminUserDetail = Schemas['AdminUserDetail'];
export type PriceRow = Schemas['PriceRow'];
/** Credits per megapixel (custom sizes) or per frame (GIFs); fractional credits allowed. */
export type RateRow = Schemas['RateRow'];
export type Pricing = Schemas['Pricing'];
export type AdminModel = Schemas['AdminModel'];
/** US dollars per million tokens, as the provider bills them. */
export type TokenRates = AdminModel['token_rates'];
/** null clears replacement_model. */
export type ModelChange = JsonBody<'/v1/admin/models/{model_id}', 'patch'>;
export type AdminSettings = Schemas['Settings'];
// TODO(schema): PATCH /v1/admin/settings has an anyOf branch with `required` and no `properties` (daily_spend_cap),
// which openapi-typescript reads as `unknown`, so the generated body type is unknown.
export type SettingsChange = Partial<Pick<AdminSettings, 'signup_bonus' | 'daily_spend_cap' | 'provider_fallback'>>;
export type StylePresetInput = JsonBody<'/v1/admin/style-presets/{preset_id}', 'put'>;
export type PromptTemplateInput = JsonBody<'/v1/admin/prompt-templates/{template_id}', 'put'>;
export type CreditPackInput = JsonBody<'/v1/admin/credit-packs/{pack_id}', 'put'>;
export type PlanInput = JsonBody<'/v1/admin/plans/{plan_id}', 'put'>;
export type AuditEntry = Schemas['AuditEntry'];
export type UsageReport = Schemas['UsageReport'];
export type UsageRow = Schemas['UsageReportRow'];
export type GroupBy = UsageReport['group_by'];
export type Metrics = Schemas['Metrics'];
export type StatusCounts = Metrics['generations']['last_hour'];

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
    request<JsonAnswer<'/v1/admin/users', 'get'>>('GET', '/admin/users' + query(options), { signal }),
  user: (userId: string, signal?: AbortSignal) => request<AdminUserDetail>('GET', `/admin/users/${id(userId)}`, { signal }),
  updateUser: (userId: string, body: JsonBody<'/v1/admin/users/{user_id}', 'patch'>) =>
    request<AdminUser>('PATCH', `/admin/users/${id(userId)}`, { body }),
  adjustCredits: (userId: string, body: JsonBody<'/v1/admin/users/{user_id}/credits', 'post'>) =>
    request<Transaction>('POST', `/admin/users/${id(userId)}/credits`, { body }),
  pricing: (signal?: AbortSignal) => request<Pricing>('GET', '/admin/pricing', { signal }),
  setPricing: (items: PriceRow[], rates: RateRow[]) => request<Pricing>('PUT', '/admin/pricing', { body: { items, rates } }),
  models: (signal?: AbortSignal) => request<Schemas['AdminModelPage']>('GET', '/admin/models', { signal }),
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
  plans: (signal?: AbortSignal) => request<Schemas['AdminPlans']>('GET', '/admin/plans', { signal }),
  upsertPlan: (planId: string, body: PlanInput) => request<Schemas['AdminPlan']>('PUT', `/admin/plans/${id(planId)}`, { body }),
  setFeatured: (slug: string, featured: boolean) =>
    request<void>(featured ? 'PUT' : 'DELETE', `/admin/community/${id(slug)}/featured`),
  setCommunityHidden: (imageId: string, hidden: boolean) =>
    request<void>(hidden ? 'PUT' : 'DELETE', `/admin/community/${id(imageId)}/hidden`),
  auditLog: (options: { limit?: number; cursor?: string | null }, signal?: AbortSignal) =>
    request<Schemas['AuditPage']>('GET', '/admin/audit-log' + query(options), { signal }),
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
  return formatPercent(Number(rate) * 100);
}

/** Dollars as format.ts shows them; a dash when there is no figure. */
export function formatUsd(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return '—';
  return formatDollars(Number(value), digits);
}
