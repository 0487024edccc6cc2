import type { JsonAnswer, JsonBody, Schemas } from './api-types';

export type User = Schemas['User'];
export type Role = User['role'];
/** The answer to sign-up, sign-in and refresh. */
export type TokenPair = Schemas['Session'];
export type EmailPreferences = Schemas['EmailPreferences'];
type ErrorEnvelope = Schemas['Error'];

export const NETWORK_ERROR = 'network_error';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  // TODO(schema): the Error schema's details is a bare object; what each code puts there (field, reason, cost and
  // balance, zxcvbn's score and suggestions) is only in prose, so readers check each value's type.
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

/** What a file's address answers instead of the bytes when they are too large to send. */
type FileLink = JsonAnswer<'/v1/images/download', 'post'>;

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
    const body = (await response.json()) as Partial<FileLink> | null;
    if (typeof body?.url === 'string' && body.url) return { kind: 'url', url: body.url };
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
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(API_BASE + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
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
  register: (body: JsonBody<'/v1/auth/register', 'post'>) =>
    request<TokenPair>('POST', '/auth/register', { body, auth: false }),
  /** With two-factor sign-in on, a 401 two_factor_required (reason code_required) asks for `code`. */
  login: (body: JsonBody<'/v1/auth/login', 'post'>) =>
    request<TokenPair>('POST', '/auth/login', { body, auth: false }),
  /** A 400 invalid_token for an unknown, used or expired link. */
  changeEmail: (body: JsonBody<'/v1/me/email', 'post'>) => request<Schemas['Accepted']>('POST', '/me/email', { body }),
  confirmEmailChange: (token: string) => request<User>('POST', '/me/email/confirm', { body: { token }, auth: false }),
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
  updateMe: (body: JsonBody<'/v1/me', 'patch'>) => request<User>('PATCH', '/me', { body }),
  changePassword: (body: JsonBody<'/v1/me/password', 'post'>) =>
    request<void>('POST', '/me/password', { body }),
  deleteAccount: (password: string) => request<void>('DELETE', '/me', { body: { password } }),
  startTwoFactor: () => request<TwoFactorSetup>('POST', '/me/2fa'),
  /** A wrong code is a 400 invalid_code naming the field `code`. */
  confirmTwoFactor: (code: string) => request<Schemas['RecoveryCodes']>('POST', '/me/2fa/confirm', { body: { code } }),
  disableTwoFactor: (code: string) => request<void>('DELETE', '/me/2fa', { body: { code } }),
  sessions: (signal?: AbortSignal) => request<Schemas['SignInSessionPage']>('GET', '/me/sessions', { signal }),
  emailPreferences: (signal?: AbortSignal) => request<EmailPreferences>('GET', '/me/email-preferences', { signal }),
  updateEmailPreferences: (body: JsonBody<'/v1/me/email-preferences', 'patch'>) =>
    request<EmailPreferences>('PATCH', '/me/email-preferences', { body }),
  // Signed in or not: without a session no Authorization header is sent, and the body names the address to answer.
  openTicket: (body: JsonBody<'/v1/support/tickets', 'post'>) =>
    request<Schemas['TicketCreated']>('POST', '/support/tickets', { body }),
  tickets: (cursor?: string | null, signal?: AbortSignal) =>
    request<Schemas['TicketPage']>('GET', `/support/tickets?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { signal }),
  followUp: (ticketId: string, message: string) =>
    request<Schemas['SupportMessage']>('POST', `/support/tickets/${encodeURIComponent(ticketId)}/messages`, { body: { message } }),
  joinWaitlist: (email: string) => request<Schemas['Accepted']>('POST', '/waitlist', { body: { email }, auth: false }),
  // Signed in or not: the entry is tagged with the user when there is a session.
  sendFeedback: (body: JsonBody<'/v1/feedback', 'post'>) => request<Schemas['Accepted']>('POST', '/feedback', { body }),
  unsubscribe: (token: string) =>
    request<Schemas['Unsubscribed']>('POST', '/email-preferences/unsubscribe', { body: { token }, auth: false }),
  endSession: (id: string) => request<void>('DELETE', `/me/sessions/${encodeURIComponent(id)}`),
  credits: (signal?: AbortSignal) => request<CreditBalance>('GET', '/credits', { signal }),
  // Billing (issue 18): plans are public; changing a subscription needs a signed-in person, not an API key.
  showcase: (signal?: AbortSignal) => request<Schemas['Showcase']>('GET', '/showcase', { signal, auth: false }),
  plans: (signal?: AbortSignal) => request<Schemas['Plans']>('GET', '/billing/plans', { signal, auth: false }),
  subscription: (signal?: AbortSignal) => request<Subscription>('GET', '/billing/subscription', { signal }),
  subscribe: (planId: string) => request<CheckoutSession>('POST', '/billing/subscription', { body: { plan_id: planId } }),
  changeSubscription: (body: JsonBody<'/v1/billing/subscription', 'patch'>) =>
    request<Subscription>('PATCH', '/billing/subscription', { body }),
  billingPortal: () => request<Schemas['Portal']>('POST', '/billing/portal'),
  creditPacks: (signal?: AbortSignal) => request<Schemas['CreditPacks']>('GET', '/credits/packs', { signal, auth: false }),
  checkout: (body: CheckoutRequest, idempotencyKey: string) =>
    request<CheckoutSession>('POST', '/credits/checkout', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
  payment: (checkoutId: string, signal?: AbortSignal) =>
    request<Payment>('GET', `/credits/payments/${encodeURIComponent(checkoutId)}`, { signal }),
  payments: (cursor?: string | null, signal?: AbortSignal) =>
    request<Schemas['PaymentPage']>('GET', '/credits/payments' + query({ cursor }), { signal }),
  transactions: (options: { limit?: number; cursor?: string | null } = {}, signal?: AbortSignal) =>
    request<Schemas['TransactionPage']>('GET', '/credits/transactions' + query(options), { signal }),
  exportTransactions: (signal?: AbortSignal) =>
    download('/credits/transactions/export', 'text/csv', 'pixmint-transactions.csv', signal),
  models: (signal?: AbortSignal) => request<Schemas['Models']>('GET', '/models', { signal, auth: false }),
  stylePresets: (signal?: AbortSignal) => request<Schemas['StylePresets']>('GET', '/style-presets', { signal }),
  promptTemplates: (signal?: AbortSignal) => request<Schemas['PromptTemplates']>('GET', '/prompt-templates', { signal }),
  quote: (body: GenerationRequest, signal?: AbortSignal) =>
    request<Quote>('POST', '/generations/quote', { body, signal }),
  generate: (body: GenerationRequest, idempotencyKey: string) =>
    request<Generation>('POST', '/generations', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
  generation: (id: string, signal?: AbortSignal) =>
    request<Generation>('GET', `/generations/${encodeURIComponent(id)}`, { signal }),
  /** Only while the generation is queued: it fails at once with every credit refunded (409 once it has started). */
  cancelGeneration: (id: string) => request<Generation>('POST', `/generations/${encodeURIComponent(id)}/cancel`),
  generations: (options: { limit?: number; cursor?: string | null; status?: GenerationStatus } = {}, signal?: AbortSignal) =>
    request<Schemas['GenerationPage']>('GET', '/generations' + query(options), { signal }),
  /** An image's content or thumbnail; `url` is the API's own `/v1/images/...` address. */
  image: (url: string, fallbackName: string, signal?: AbortSignal) => download(apiPath(url), IMAGE_ACCEPT, fallbackName, signal),

  // The image library.
  images: (options: ImageListOptions = {}, signal?: AbortSignal) =>
    request<Schemas['ImagePage']>(
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
  publishImage: (id: string) => request<ShareResult>('POST', `/images/${encodeURIComponent(id)}/publish`),
  unpublishImage: (id: string) => request<void>('DELETE', `/images/${encodeURIComponent(id)}/publish`),
  bulkImages: (action: BulkAction, ids: string[]) =>
    request<Schemas['BulkResult']>('POST', '/images/bulk', { body: { action, ids } }),
  /** 1 to 5 stars, or null to clear the rating. */
  rateImage: (id: string, stars: number | null) =>
    stars === null
      ? request<void>('DELETE', `/images/${encodeURIComponent(id)}/rating`)
      : request<void>('PUT', `/images/${encodeURIComponent(id)}/rating`, { body: { stars } }),
  /** "More like this": the user's images that look alike, most alike first. */
  similarImages: (id: string, signal?: AbortSignal) =>
    request<Schemas['ImagePage']>('GET', `/images/${encodeURIComponent(id)}/similar`, { signal }),

  // Boards.
  boards: (cursor?: string | null, signal?: AbortSignal) =>
    request<Schemas['BoardPage']>('GET', '/boards' + query({ cursor, limit: 100 }), { signal }),
  board: (id: string, signal?: AbortSignal) => request<Board>('GET', `/boards/${encodeURIComponent(id)}`, { signal }),
  createBoard: (name: string) => request<Board>('POST', '/boards', { body: { name } }),
  renameBoard: (id: string, name: string) =>
    request<Board>('PATCH', `/boards/${encodeURIComponent(id)}`, { body: { name } }),
  deleteBoard: (id: string) => request<void>('DELETE', `/boards/${encodeURIComponent(id)}`),
  /** Add (PUT) or take off (DELETE) up to 100 of the user's images. */
  boardImages: (id: string, imageIds: string[], add: boolean) =>
    request<Board>(add ? 'PUT' : 'DELETE', `/boards/${encodeURIComponent(id)}/images`, { body: { image_ids: imageIds } }),
  /** A ZIP of up to 100 images. */
  downloadImages: (ids: string[], signal?: AbortSignal) =>
    fetchFile('POST', '/images/download', 'application/zip', 'pixmint-images.zip', { body: { ids }, signal }),
  /** An image's content converted on the way: format and width leave out for the original. */
  imageFile: (contentUrl: string, options: ImageFileOptions, fallbackName: string, signal?: AbortSignal) =>
    fetchFile('GET', apiPath(contentUrl) + query({ ...options }), IMAGE_ACCEPT, fallbackName, { signal }),

  // Shared images: public, no session needed.
  publicImage: (slug: string, signal?: AbortSignal) =>
    request<PublicImage>('GET', `/public/images/${encodeURIComponent(slug)}`, { signal, auth: false }),
  // Signed in, the answer also says which images the reader liked; signed out, no token is sent.
  community: (options: { limit?: number; cursor?: string | null; q?: string } = {}, signal?: AbortSignal) =>
    request<Schemas['PublicImagePage']>('GET', '/community' + query(options), { signal }),
  likeCommunity: (slug: string, liked: boolean) =>
    request<Schemas['Likes']>(liked ? 'PUT' : 'DELETE', `/community/${encodeURIComponent(slug)}/like`),
  reportCommunity: (slug: string, body: JsonBody<'/v1/community/{slug}/report', 'post'>) =>
    request<void>('POST', `/community/${encodeURIComponent(slug)}/report`, { body }),
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
export type TwoFactorSetup = Schemas['TwoFactorSetup'];
/** A signed-in device: one refresh-token family. */
export type SignInSession = Schemas['SignInSession'];

// Credits: 1 USD = 100 credits. Balances may be negative after a refund or dispute.
export type CreditBalance = Schemas['Credits'];
export type CreditPack = Schemas['CreditPacks']['items'][number];
export type CheckoutRequest = JsonBody<'/v1/credits/checkout', 'post'>;
export type CheckoutSession = Schemas['Checkout'];
export type Plan = Schemas['Plan'];
export type Subscription = Schemas['Subscription'];
export type Payment = Schemas['Payment'];
export type PaymentStatus = Payment['status'];
export type Transaction = Schemas['Transaction'];
export type TransactionKind = Transaction['kind'];

// Image generation.
export type ImageModel = Schemas['Model'];
export type ModelPrice = ImageModel['prices'][number];
/** Credits per megapixel (custom sizes) or per frame (GIFs), per quality; may be fractional. */
export type ModelRate = ImageModel['rates'][number];
/** The bounds of the WIDTHxHEIGHT sizes a model takes besides its presets. */
export type CustomSizes = NonNullable<ImageModel['custom_sizes']>;
export type Background = ImageModel['backgrounds'][number];
export type OutputFormat = ImageModel['output_formats'][number];
export type StylePreset = Schemas['StylePresets']['items'][number];
/** `template` has {variable} placeholders, e.g. "A portrait of {subject} in {setting}". */
export type PromptTemplate = Schemas['PromptTemplates']['items'][number];
export type GenerationRequest = Schemas['GenerationRequest'];
export type Quote = Schemas['Quote'];
/** How a quote was reached: a preset's price, or a rate times megapixels or frames, per image, times n. */
export type QuoteBreakdown = Quote['breakdown'];
export type Generation = Schemas['Generation'];
export type GenerationStatus = Generation['status'];
/** The latest partial image of an image position while the generation is queued or running; its url needs the token. */
export type GenerationPreview = Generation['previews'][number];
/** Tokens the provider reported; shown to the owner. */
export type TokenUsage = NonNullable<Generation['usage']>;
export type GeneratedImage = Schemas['Image'];
/** An image in the library (GET /v1/images): the same shape as a generation's image. */
export type LibraryImage = GeneratedImage;
// TODO(schema): POST /v1/uploads answers oneOf Upload | UploadTicket without saying that raw bytes always get an Upload.
export type Upload = Schemas['Upload'];

export interface ImageListOptions {
  limit?: number;
  cursor?: string | null;
  favorite?: boolean;
  q?: string;
  model?: string;
  board_id?: string;
  rating_min?: number;
  operation?: string;
  /** RFC 3339 moments; until is exclusive. */
  since?: string;
  until?: string;
  /** square, landscape, portrait or a ratio such as 16:9. */
  aspect?: string;
  sort?: 'newest' | 'relevance';
}

/** A named collection of the user's images (issue 21). */
export type Board = Schemas['Board'];

export type BulkAction = JsonBody<'/v1/images/bulk', 'post'>['action'];

// TODO(schema): the `format` query parameter's enum is widened to string by its blank-means-absent anyOf branch.
export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface ImageFileOptions {
  format?: ImageFormat;
  width?: number;
  quality?: number;
}

export type ShareResult = Schemas['Share'];
/** A shared image as anyone may see it; its addresses work in a plain <img>. */
export type PublicImage = Schemas['PublicImage'];
