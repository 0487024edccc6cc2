import { request, type Generation, type GenerationRequest, type Quote } from '../api';

/** The operations the editor offers (`generate` and `edit` belong to the Generate page). */
export type EditOperation = Exclude<NonNullable<GenerationRequest['operation']>, 'generate' | 'edit'>;

/** Every field given, none null: what the editor builds before it sends a request. */
type Filled<T> = { [K in keyof T]-?: NonNullable<T[K]> };

/** Pixels added on each side of the source. */
export type Padding = Filled<NonNullable<GenerationRequest['outpaint']>>;

export type UpscaleTarget = NonNullable<GenerationRequest['upscale']>;

export type EditRequest = Omit<GenerationRequest, 'operation'> & {
  /** `edit` only to price an inpaint before its mask is uploaded. */
  operation: EditOperation | 'edit';
  source_image_id: string;
};

export const editApi = {
  quote: (body: EditRequest, signal?: AbortSignal) => request<Quote>('POST', '/generations/quote', { body, signal }),
  start: (body: EditRequest, idempotencyKey: string) =>
    request<Generation>('POST', '/generations', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
};
