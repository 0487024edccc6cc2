import { request } from './api';

/** Developer API keys and the OpenAPI document; loaded only by the developer pages. */

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  rate_limit_per_minute: number | null;
  monthly_cap_credits: number | null;
  used_this_month: number;
}

/** Only the answer to a create carries the secret, and only that once. */
export interface CreatedApiKey extends ApiKey {
  key: string;
}

export interface NewApiKey {
  name: string;
  monthly_cap_credits?: number;
  rate_limit_per_minute?: number;
}

// The parts of an OpenAPI 3.1 document the docs page reads.
export interface OpenApiSchema {
  $ref?: string;
  type?: string | string[];
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  enum?: unknown[];
  format?: string;
}

export interface OpenApiParameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: OpenApiSchema;
}

export interface OpenApiOperation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, unknown>[];
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: OpenApiSchema }> };
  responses?: Record<string, { $ref?: string; description?: string; content?: Record<string, { schema?: OpenApiSchema }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export const developerApi = {
  apiKeys: (signal?: AbortSignal) => request<{ items: ApiKey[]; next_cursor: null }>('GET', '/api-keys', { signal }),
  createApiKey: (body: NewApiKey) => request<CreatedApiKey>('POST', '/api-keys', { body }),
  revokeApiKey: (id: string) => request<void>('DELETE', `/api-keys/${encodeURIComponent(id)}`),
  openapi: (signal?: AbortSignal) => request<OpenApiDocument>('GET', '/openapi.json', { signal, auth: false }),
};

/** Copy text to the clipboard; false when the browser refused (the caller then selects it for Ctrl+C). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
