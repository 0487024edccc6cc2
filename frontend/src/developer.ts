import { request } from './api';
import type { JsonBody, Schemas } from './api-types';

/** Developer API keys and the OpenAPI document; loaded only by the developer pages. */

export type ApiKey = Schemas['ApiKey'];

// TODO(schema): POST /v1/api-keys answers the ApiKey schema, whose `key` is optional; the created key always has it.
export type CreatedApiKey = ApiKey & { key: string };

export type NewApiKey = JsonBody<'/v1/api-keys', 'post'>;

export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookEvent = WebhookEndpoint['events'][number];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type NewWebhookEndpoint = JsonBody<'/v1/webhook-endpoints', 'post'>;
// The answer that creates an endpoint is the only one with its signing secret.
export type CreatedWebhookEndpoint = WebhookEndpoint & { secret: string };

// TODO(schema): GET /v1/openapi.json types info, paths and components as bare objects; these are the parts the docs page reads.
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
  apiKeys: (signal?: AbortSignal) => request<Schemas['ApiKeyPage']>('GET', '/api-keys', { signal }),
  createApiKey: (body: NewApiKey) => request<CreatedApiKey>('POST', '/api-keys', { body }),
  revokeApiKey: (id: string) => request<void>('DELETE', `/api-keys/${encodeURIComponent(id)}`),
  webhookEndpoints: (signal?: AbortSignal) => request<Schemas['WebhookEndpointPage']>('GET', '/webhook-endpoints', { signal }),
  createWebhookEndpoint: (body: NewWebhookEndpoint) => request<CreatedWebhookEndpoint>('POST', '/webhook-endpoints', { body }),
  setWebhookEndpointEnabled: (id: string, enabled: boolean) =>
    request<WebhookEndpoint>('PATCH', `/webhook-endpoints/${encodeURIComponent(id)}`, { body: { enabled } }),
  deleteWebhookEndpoint: (id: string) => request<void>('DELETE', `/webhook-endpoints/${encodeURIComponent(id)}`),
  testWebhookEndpoint: (id: string) => request<WebhookDelivery>('POST', `/webhook-endpoints/${encodeURIComponent(id)}/test`),
  webhookDeliveries: (id: string, signal?: AbortSignal) =>
    request<Schemas['WebhookDeliveryPage']>('GET', `/webhook-endpoints/${encodeURIComponent(id)}/deliveries?limit=10`, { signal }),
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
