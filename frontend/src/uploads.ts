import { ApiError, NETWORK_ERROR, request, type Upload } from './api';
import type { JsonBody, Schemas } from './api-types';

/** What POST /v1/uploads answers JSON {content_type, bytes} with: a presigned S3 form for exactly that file. */
export type UploadTicket = Schemas['UploadTicket'];
type TicketRequest = JsonBody<'/v1/uploads', 'post'>;

/** Codes of the ApiErrors storage's own refusals become: `storage_` and S3's code in snake case. */
export const STORAGE_ERROR_PREFIX = 'storage_';

/**
 * How far one upload got, so that trying again after a failure past the storage step only asks the API to
 * check the file again instead of sending it twice.
 */
export interface UploadAttempt {
  ticket?: UploadTicket;
  stored?: boolean;
}

export interface UploadOptions {
  signal?: AbortSignal;
  /** The share of the file sent to storage so far, from 0 to 1. */
  onProgress?: (fraction: number) => void;
  /** The file has arrived; the API is checking it. */
  onChecking?: () => void;
  attempt?: UploadAttempt;
}

/**
 * Uploads an image of any allowed size (up to 10 MB, beyond what the API's own payload takes): asks the API for
 * a ticket, POSTs the file straight to storage as the ticket's form, then has the API check what arrived.
 * Failures are ApiErrors: the API's own (a 413 over the upload quota, a 415 for what is no image), storage's
 * refusals (codes starting with `storage_`), or NETWORK_ERROR when either could not be reached.
 */
export async function uploadImage(file: File, options: UploadOptions = {}): Promise<Upload> {
  const { signal } = options;
  const attempt = options.attempt ?? {};
  if (!attempt.stored || !attempt.ticket) {
    const body: TicketRequest = { content_type: file.type as TicketRequest['content_type'], bytes: file.size };
    attempt.ticket = await request<UploadTicket>('POST', '/uploads', { body, signal });
    await postForm(attempt.ticket, file, options);
    attempt.stored = true;
  }
  options.onChecking?.();
  try {
    return await request<Upload>('POST', `/uploads/${encodeURIComponent(attempt.ticket.upload_id)}/complete`, { signal });
  } catch (error) {
    // Nothing arrived after all: the next attempt sends the file again.
    if (error instanceof ApiError && error.status === 409 && error.reason === 'not_uploaded') attempt.stored = false;
    throw error;
  }
}

/** Whether trying the same file again may work: the connection, a busy service or an expired upload form. */
export function canRetryUpload(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.code === NETWORK_ERROR || error.status === 429 || error.status >= 500) return true;
  if (error.status === 409 && error.reason === 'not_uploaded') return true;
  return error.code.startsWith(STORAGE_ERROR_PREFIX) && !TOO_LARGE_OR_EMPTY.has(error.code);
}

const TOO_LARGE_OR_EMPTY = new Set(['storage_entity_too_large', 'storage_entity_too_small']);

function postForm(ticket: UploadTicket, file: File, { signal, onProgress }: UploadOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
      return;
    }
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
    form.append('file', file); // last: S3 ignores every field after the file
    // XMLHttpRequest rather than fetch: only it reports how much of the body has gone.
    const xhr = new XMLHttpRequest();
    const cancel = () => xhr.abort();
    signal?.addEventListener('abort', cancel, { once: true });
    const settle = (outcome: () => void) => () => {
      signal?.removeEventListener('abort', cancel);
      outcome();
    };
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total > 0) onProgress?.(event.loaded / event.total);
    });
    xhr.addEventListener(
      'load',
      settle(() => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(storageError(xhr.status, xhr.responseText)))),
    );
    xhr.addEventListener(
      'error',
      settle(() =>
        reject(new ApiError(0, NETWORK_ERROR, "The upload was interrupted: we couldn't reach storage. Check your connection and try again.")),
      ),
    );
    xhr.addEventListener('abort', settle(() => reject(new DOMException('The upload was cancelled.', 'AbortError'))));
    xhr.open('POST', ticket.url);
    xhr.send(form);
  });
}

/** S3's XML refusal (<Error><Code>…</Code><Message>…</Message></Error>) as an ApiError a person can read. */
function storageError(status: number, body: string): ApiError {
  const xml = body ? new DOMParser().parseFromString(body, 'application/xml') : null;
  const code = xml?.querySelector('Error > Code')?.textContent?.trim() ?? '';
  const detail = xml?.querySelector('Error > Message')?.textContent?.trim() ?? '';
  const name = code ? code.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase() : `http_${status}`;
  return new ApiError(status, STORAGE_ERROR_PREFIX + name, storageMessage(status, code, detail), {
    details: { storage_code: code, storage_message: detail },
  });
}

function storageMessage(status: number, code: string, detail: string): string {
  switch (code) {
    case 'EntityTooLarge':
      return 'Storage refused the image as larger than its upload allows. Images are at most 10 MB: choose a smaller file, or choose this one again if it changed.';
    case 'EntityTooSmall':
      return 'The file is empty. Choose another image.';
    case 'ExpiredToken':
      return 'The upload took too long and its permission expired. Try again.';
    case 'SignatureDoesNotMatch':
    case 'InvalidAccessKeyId':
    case 'InvalidToken':
      return "Storage did not accept this upload's permission. Try again; if it keeps happening, contact support.";
    case 'AccessDenied':
      if (/expired/i.test(detail)) return 'The upload took too long and its permission expired. Try again.';
      return 'Storage refused the upload: the file did not match what its upload allows. Try again.';
  }
  if (status >= 500 || code === 'SlowDown') return 'Storage is busy right now. Please try again in a moment.';
  return `Storage refused the upload${code ? ` (${code})` : ''}. Please try again.`;
}
