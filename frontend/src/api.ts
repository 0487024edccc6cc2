export type Role = 'user' | 'admin';

export interface User {
  id: string;
  email: string;
  /** The signup bonus comes with confirming the address through the emailed link. */
  email_verified: boolean;
  display_name: string | null;
  role: Role;
  credits: number;
  /** Sign-in asks for a code from an authenticator app (or a recovery code). */
  two_factor: boolean;
  created_at: string;
}

export interface TokenPair {
  user: User;
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

interface ErrorEnvelope {
  error: { code: string; message: string; details?: Record<string, unknown> | null };
  request_id?: string;
}

export const NETWORK_ERROR = 'network_error';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; requestId?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = options.details ?? {};
    this.requestId = options.requestId;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get field(): string | undefined {
    const field = this.details.field;
    return typeof field === 'string' ? field : undefined;
  }

  /** Why, where the API says more than the code does (e.g. 401 two_factor_required: code_required or invalid_code). */
  get reason(): string | undefined {
    const reason = this.details.reason;
    return typeof reason === 'string' ? reason : undefined;
  }
}

/**
 * How authenticated requests get their bearer token. Registered by the session store (auth.ts),
 * which keeps this module free of session state.
 */
export interface TokenSource {
  current(): Promise<string | null>;
  /** Called after `rejected` got a 401; resolves to a fresh token, or null when the session is over. */
  renew(rejected: string): Promise<string | null>;
}

let tokens: TokenSource | null = null;

export function setTokenSource(source: TokenSource): void {
  tokens = source;
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Send the session's access token and renew it once on a 401. Default true. */
  auth?: boolean;
  /** An explicit bearer token for a request made outside the session flow (auth: false). */
  bearer?: string | null;
  headers?: Record<string, string>;
  /** Raw bytes sent as they are (e.g. an image upload), with their own Content-Type; instead of a JSON body. */
  rawBody?: Blob;
}

const API_BASE = '/v1';

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  return parse<T>(await authorizedSend(method, path, options));
}

export interface Download {
  blob: Blob;
  filename: string;
}

/** A GET that answers with a file (e.g. CSV). The token goes in the header as usual, never in the URL. */
export async function download(path: string, accept: string, fallbackName: string, signal?: AbortSignal): Promise<Download> {
  const response = await authorizedSend('GET', path, { signal, headers: { Accept: accept } });
  if (!response.ok) return parse<never>(response);
  const blob = await response.blob();
  return { blob, filename: filenameFrom(response.headers.get('Content-Disposition')) ?? fallbackName };
}

/** A file from the API: its bytes, or a short-lived address to hand to the browser (a redirect for very large files). */
export type FileResult = { kind: 'blob'; blob: Blob; filename: string } | { kind: 'url'; url: string };

/**
 * Like download(), for any method and with a JSON body, and following a redirect the way the API uses
 * it for very large files: the body is not read, the browser is sent to the final address instead.
 */
export async function fetchFile(
  method: string,
  path: string,
  accept: string,
  fallbackName: string,
  options: { body?: unknown; signal?: AbortSignal } = {},
): Promise<FileResult> {
  // application/json last: for files too large to send, the API then names a link instead of redirecting,
  // because fetch cannot see through a cross-origin redirect.
  const response = await authorizedSend(method, path, {
    ...options,
    headers: { Accept: `${accept}, application/json;q=0.1` },
  });
  if (!response.ok) return parse<never>(response);
  if (response.redirected && response.url) {
    void response.body?.cancel().catch(() => undefined);
    return { kind: 'url', url: response.url };
  }
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('application/json')) {
    // A body naming the address instead of a redirect the browser can't see through.
    const body = (await response.json()) as { url?: unknown; download_url?: unknown };
    const url = typeof body.url === 'string' ? body.url : typeof body.download_url === 'string' ? body.download_url : null;
    if (url) return { kind: 'url', url };
    throw new ApiError(response.status, 'unexpected_response', 'The download could not be prepared. Please try again.');
  }
  const blob = await response.blob();
  return { kind: 'blob', blob, filename: filenameFrom(response.headers.get('Content-Disposition')) ?? fallbackName };
}

async function authorizedSend(method: string, path: string, options: RequestOptions): Promise<Response> {
  const useSession = options.auth ?? true;
  let token = useSession && tokens ? await tokens.current() : options.bearer ?? null;
  let response = await send(method, path, options, token);
  if (response.status === 401 && useSession && tokens && token) {
    token = await tokens.renew(token);
    if (token) response = await send(method, path, options, token);
  }
  return response;
}

function filenameFrom(disposition: string | null): string | null {
  if (!disposition) return null;
  const encoded = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(disposition);
  let name: string | null = null;
  if (encoded) {
    try {
      name = decodeURIComponent(encoded[1].trim());
    } catch {
      name = null;
    }
  }
  name ??= /filename\s*=\s*"?([^";]+)"?/i.exec(disposition)?.[1]?.trim() ?? null;
  // Keep only a plain file name: no folders, no control characters.
  const safe = name?.replace(/[\\/\u0000-\u001f]/g, '_').trim();
  return safe ? safe : null;
}

async function send(method: string, path: string, options: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.rawBody !== undefined) headers['Content-Type'] = options.rawBody.type || 'application/octet-stream';
  else if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(API_BASE + path, {
      method,
      headers,
      body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, NETWORK_ERROR, "We couldn't reach Pixmint. Check your connection and try again.");
  }
}

async function parse<T>(response: Response): Promise<T> {
  if (response.ok) {
    if (response.status === 204 || response.status === 205) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
  const envelope = await readEnvelope(response);
  const retryAfterSeconds = parseRetryAfter(response.headers.get('Retry-After'));
  if (envelope) {
    return Promise.reject(
      new ApiError(response.status, envelope.error.code, envelope.error.message, {
        details: envelope.error.details ?? {},
        requestId: envelope.request_id,
        retryAfterSeconds,
      }),
    );
  }
  return Promise.reject(
    new ApiError(response.status, 'http_' + response.status, fallbackMessage(response.status), { retryAfterSeconds }),
  );
}

async function readEnvelope(response: Response): Promise<ErrorEnvelope | null> {
  try {
    const body: unknown = await response.json();
    if (body && typeof body === 'object' && 'error' in body) {
      const error = (body as ErrorEnvelope).error;
      if (error && typeof error.message === 'string' && typeof error.code === 'string') return body as ErrorEnvelope;
    }
  } catch {
    // Not JSON: a proxy or gateway answered instead of the API.
  }
  return null;
}

function fallbackMessage(status: number): string {
  if (status === 429) return 'Too many requests.';
  if (status === 502 || status === 503 || status === 504) return 'Pixmint is briefly unavailable. Please try again in a moment.';
  return `Something went wrong (HTTP ${status}). Please try again.`;
}

export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

export const api = {
  register: (body: { email: string; password: string; display_name?: string }) =>
    request<TokenPair>('POST', '/auth/register', { body, auth: false }),
  /** With two-factor sign-in on, a 401 two_factor_required (reason code_required) asks for `code`. */
  login: (body: { email: string; password: string; code?: string }) =>
    request<TokenPair>('POST', '/auth/login', { body, auth: false }),
  /** A 400 invalid_token for an unknown, used or expired link. */
  verifyEmail: (token: string) => request<User>('POST', '/auth/verify-email', { body: { token }, auth: false }),
  /** Throttled: a 429 with Retry-After after a few in an hour. */
  resendVerification: () => request<void>('POST', '/auth/verify-email/resend'),
  refresh: (refreshToken: string) =>
    request<TokenPair>('POST', '/auth/refresh', { body: { refresh_token: refreshToken }, auth: false }),
  logout: (refreshToken: string, accessToken: string | null) =>
    request<void>('POST', '/auth/logout', { body: { refresh_token: refreshToken }, auth: false, bearer: accessToken }),
  requestPasswordReset: (email: string) =>
    request<void>('POST', '/auth/password-reset', { body: { email }, auth: false }),
  confirmPasswordReset: (token: string, newPassword: string) =>
    request<void>('POST', '/auth/password-reset/confirm', { body: { token, new_password: newPassword }, auth: false }),
  me: (signal?: AbortSignal) => request<User>('GET', '/me', { signal }),
  updateMe: (body: { display_name: string }) => request<User>('PATCH', '/me', { body }),
  changePassword: (body: { current_password: string; new_password: string }) =>
    request<void>('POST', '/me/password', { body }),
  deleteAccount: (password: string) => request<void>('DELETE', '/me', { body: { password } }),
  startTwoFactor: () => request<TwoFactorSetup>('POST', '/me/2fa'),
  /** A wrong code is a 400 invalid_code naming the field `code`. */
  confirmTwoFactor: (code: string) => request<{ recovery_codes: string[] }>('POST', '/me/2fa/confirm', { body: { code } }),
  disableTwoFactor: (code: string) => request<void>('DELETE', '/me/2fa', { body: { code } }),
  sessions: (signal?: AbortSignal) => request<Page<SignInSession>>('GET', '/me/sessions', { signal }),
  endSession: (id: string) => request<void>('DELETE', `/me/sessions/${encodeURIComponent(id)}`),
  credits: (signal?: AbortSignal) => request<CreditBalance>('GET', '/credits', { signal }),
  creditPacks: (signal?: AbortSignal) => request<{ items: CreditPack[] }>('GET', '/credits/packs', { signal, auth: false }),
  checkout: (body: CheckoutRequest, idempotencyKey: string) =>
    request<CheckoutSession>('POST', '/credits/checkout', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
  payment: (checkoutId: string, signal?: AbortSignal) =>
    request<Payment>('GET', `/credits/payments/${encodeURIComponent(checkoutId)}`, { signal }),
  payments: (cursor?: string | null, signal?: AbortSignal) =>
    request<Page<Payment>>('GET', '/credits/payments' + query({ cursor }), { signal }),
  transactions: (options: { limit?: number; cursor?: string | null } = {}, signal?: AbortSignal) =>
    request<Page<Transaction>>('GET', '/credits/transactions' + query(options), { signal }),
  exportTransactions: (signal?: AbortSignal) =>
    download('/credits/transactions/export', 'text/csv', 'pixmint-transactions.csv', signal),
  models: (signal?: AbortSignal) => request<{ items: ImageModel[] }>('GET', '/models', { signal, auth: false }),
  stylePresets: (signal?: AbortSignal) => request<{ items: StylePreset[] }>('GET', '/style-presets', { signal }),
  promptTemplates: (signal?: AbortSignal) => request<{ items: PromptTemplate[] }>('GET', '/prompt-templates', { signal }),
  quote: (body: GenerationRequest, signal?: AbortSignal) =>
    request<Quote>('POST', '/generations/quote', { body, signal }),
  generate: (body: GenerationRequest, idempotencyKey: string) =>
    request<Generation>('POST', '/generations', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
  generation: (id: string, signal?: AbortSignal) =>
    request<Generation>('GET', `/generations/${encodeURIComponent(id)}`, { signal }),
  /** Only while the generation is queued: it fails at once with every credit refunded (409 once it has started). */
  cancelGeneration: (id: string) => request<Generation>('POST', `/generations/${encodeURIComponent(id)}/cancel`),
  generations: (options: { limit?: number; cursor?: string | null; status?: GenerationStatus } = {}, signal?: AbortSignal) =>
    request<Page<Generation>>('GET', '/generations' + query(options), { signal }),
  upload: (file: Blob, signal?: AbortSignal) => request<Upload>('POST', '/uploads', { rawBody: file, signal }),
  /** An image's content or thumbnail; `url` is the API's own `/v1/images/...` address. */
  image: (url: string, fallbackName: string, signal?: AbortSignal) => download(apiPath(url), IMAGE_ACCEPT, fallbackName, signal),

  // The image library.
  images: (options: ImageListOptions = {}, signal?: AbortSignal) =>
    request<Page<LibraryImage>>(
      'GET',
      '/images' + query({ ...options, favorite: options.favorite ? 'true' : undefined }),
      { signal },
    ),
  libraryImage: (id: string, signal?: AbortSignal) =>
    request<LibraryImage>('GET', `/images/${encodeURIComponent(id)}`, { signal }),
  setFavorite: (id: string, favorite: boolean) =>
    request<void>(favorite ? 'PUT' : 'DELETE', `/images/${encodeURIComponent(id)}/favorite`),
  deleteImage: (id: string) => request<void>('DELETE', `/images/${encodeURIComponent(id)}`),
  shareImage: (id: string) => request<ShareResult>('POST', `/images/${encodeURIComponent(id)}/share`),
  unshareImage: (id: string) => request<void>('DELETE', `/images/${encodeURIComponent(id)}/share`),
  bulkImages: (action: BulkAction, ids: string[]) =>
    request<{ done: string[] }>('POST', '/images/bulk', { body: { action, ids } }),
  /** A ZIP of up to 100 images. */
  downloadImages: (ids: string[], signal?: AbortSignal) =>
    fetchFile('POST', '/images/download', 'application/zip', 'pixmint-images.zip', { body: { ids }, signal }),
  /** An image's content converted on the way: format and width leave out for the original. */
  imageFile: (contentUrl: string, options: ImageFileOptions, fallbackName: string, signal?: AbortSignal) =>
    fetchFile('GET', apiPath(contentUrl) + query({ ...options }), IMAGE_ACCEPT, fallbackName, { signal }),

  // Shared images: public, no session needed.
  publicImage: (slug: string, signal?: AbortSignal) =>
    request<PublicImage>('GET', `/public/images/${encodeURIComponent(slug)}`, { signal, auth: false }),
  community: (options: { limit?: number; cursor?: string | null } = {}, signal?: AbortSignal) =>
    request<Page<PublicImage>>('GET', '/community' + query(options), { signal, auth: false }),
};

/**
 * The concrete types come first: the API (Chalice behind API Gateway) sends binary bodies only when
 * the Accept header names one of its binary types, and answers a bare `image/*` with 400.
 */
const IMAGE_ACCEPT = 'image/webp, image/png, image/jpeg, image/gif, image/svg+xml, image/*;q=0.8';

/** The API hands out addresses under /v1; the client adds that prefix itself. */
function apiPath(url: string): string {
  return url.startsWith(API_BASE + '/') ? url.slice(API_BASE.length) : url;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? '?' + text : '';
}

// Two-factor sign-in and sessions.
export interface TwoFactorSetup {
  /** Base32, for typing into an app by hand. */
  secret: string;
  /** `otpauth://totp/...`: what the QR code holds. */
  otpauth_url: string;
}

/** A signed-in device: one refresh-token family. */
export interface SignInSession {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  ip: string | null;
  /** The session this browser is using. */
  current: boolean;
}

// Credits: 1 USD = 100 credits. Balances may be negative after a refund or dispute.
export interface CreditBalance {
  balance: number;
  pending: number;
}

export interface CreditPack {
  id: string;
  credits: number;
  amount_cents: number;
  currency: string;
  label: string;
}

export type CheckoutRequest = { pack_id: string } | { amount_cents: number };

export interface CheckoutSession {
  checkout_id: string;
  checkout_url: string;
}

export type PaymentStatus =
  | 'open'
  | 'processing'
  | 'paid'
  | 'failed'
  | 'expired'
  | 'refunded'
  | 'partially_refunded'
  | 'disputed';

export interface Payment {
  id: string;
  status: PaymentStatus;
  credits: number;
  amount_cents: number;
  currency: string;
  pack_id: string | null;
  /** Why a failed or expired payment did not go through, when the provider said. */
  failure_reason?: string | null;
  created_at: string;
  updated_at: string;
}

export type TransactionKind =
  | 'purchase'
  | 'generation'
  | 'generation_refund'
  | 'signup_bonus'
  | 'admin_grant'
  | 'admin_debit'
  | 'payment_refund'
  | 'dispute';

export interface Transaction {
  id: string | number;
  kind: TransactionKind;
  delta: number;
  balance_after: number;
  reference: string;
  created_at: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

// Image generation.
export interface ModelPrice {
  size: string;
  quality: string;
  credits: number;
}

export type Background = 'auto' | 'opaque' | 'transparent';
export type OutputFormat = 'png' | 'webp' | 'jpeg' | 'gif' | 'svg';

/** The bounds of the WIDTHxHEIGHT sizes a model takes besides its presets. */
export interface CustomSizes {
  multiple_of: number;
  max_edge: number;
  max_pixels: number;
  /** Long side over short side. */
  max_aspect: number;
}

/** Credits per megapixel (custom sizes) or per frame (GIFs), per quality; may be fractional. */
export interface ModelRate {
  unit: 'megapixel' | 'frame';
  quality: string;
  credits: number;
}

export interface ImageModel {
  id: string;
  provider: string;
  label: string;
  /** False once the provider has withdrawn it: requests for it are a 409 model_unavailable. */
  available: boolean;
  unavailable_reason?: string | null;
  /** The preset WxH sizes. */
  sizes: string[];
  custom_sizes: CustomSizes | null;
  qualities: string[];
  backgrounds: Background[];
  output_formats: OutputFormat[];
  max_n: number;
  supports_edit: boolean;
  supports_mask: boolean;
  /** Partial images stream while it renders. */
  previews: boolean;
  /** The offline placeholder renderer: labelled pictures, not AI. */
  offline: boolean;
  /** The model used when a request names none. */
  default: boolean;
  prices: ModelPrice[];
  rates: ModelRate[];
}

export interface StylePreset {
  id: string;
  label: string;
  prompt_suffix: string;
}

export interface PromptTemplate {
  id: string;
  label: string;
  /** With {variable} placeholders, e.g. "A portrait of {subject} in {setting}". */
  template: string;
  variables: string[];
}

export interface GenerationRequest {
  prompt: string;
  model?: string;
  size?: string;
  quality?: string;
  n?: number;
  style_preset?: string;
  negative_prompt?: string;
  source_image_id?: string;
  mask_image_id?: string;
  background?: Background;
  output_format?: OutputFormat;
  /** GIF only. */
  frame_count?: number;
}

/** How a quote was reached: a preset's price, or a rate times megapixels or frames, per image, times n. */
export interface QuoteBreakdown {
  basis: 'preset' | 'megapixel' | 'frame';
  rate_credits: number;
  quantity: number;
  unit_credits: number;
  n: number;
  cost_credits: number;
}

export interface Quote {
  cost_credits: number;
  unit_credits: number;
  model: string;
  size: string;
  quality: string;
  n: number;
  background: Background;
  output_format: OutputFormat;
  frame_count: number | null;
  breakdown: QuoteBreakdown;
}

export type GenerationStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface GeneratedImage {
  id: string;
  generation_id: string | null;
  width: number;
  height: number;
  content_type: string;
  bytes: number;
  favorite: boolean;
  shared: boolean;
  prompt: string | null;
  model: string | null;
  created_at: string;
  alt: string;
  content_url: string;
  thumbnail_url: string;
  /** Kept with its alpha channel: shown on a checkerboard. */
  has_alpha?: boolean;
  /** A GIF's frame count, else 1. */
  frames?: number;
  /** The public page's address while the image is shared. */
  share_url?: string | null;
}

/** An image in the library (GET /v1/images): the same shape as a generation's image. */
export type LibraryImage = GeneratedImage;

export interface ImageListOptions {
  limit?: number;
  cursor?: string | null;
  favorite?: boolean;
  q?: string;
  model?: string;
}

export type BulkAction = 'delete' | 'favorite' | 'unfavorite';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface ImageFileOptions {
  format?: ImageFormat;
  width?: number;
  quality?: number;
}

export interface ShareResult {
  share_url: string;
  slug: string;
}

/** A shared image as anyone may see it; its addresses work in a plain <img>. */
export interface PublicImage {
  slug: string;
  prompt: string;
  model: string;
  width: number;
  height: number;
  alt: string;
  created_at: string;
  shared_at: string;
  author: string | null;
  content_url: string;
  thumbnail_url: string;
}

export interface Generation {
  id: string;
  status: GenerationStatus;
  prompt: string;
  negative_prompt?: string | null;
  style_preset?: string | null;
  model: string;
  size: string;
  quality: string;
  n: number;
  background: Background;
  output_format: OutputFormat;
  frame_count: number | null;
  operation: 'generate' | 'edit';
  /** The edited image (the request's source_image_id). */
  parent_image_id: string | null;
  source_image_id?: string | null;
  mask_image_id?: string | null;
  cost_credits: number;
  refunded_credits: number;
  images: GeneratedImage[];
  /** The latest partial image of each image position, while it is queued or running. */
  previews: GenerationPreview[];
  /** Tokens the provider reported; shown to the owner. */
  usage: TokenUsage | null;
  error?: string | null;
  created_at: string;
  completed_at: string | null;
}

export interface GenerationPreview {
  index: number;
  /** `/v1/generations/{id}/previews/{index}`: needs the session's token, like every image address. */
  url: string;
}

export interface TokenUsage {
  input_text_tokens: number;
  input_image_tokens: number;
  output_image_tokens: number;
}

export interface Upload {
  id: string;
  width: number;
  height: number;
  content_type: string;
  bytes: number;
}
