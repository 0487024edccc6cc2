import type { components, paths } from './api-schema';

/**
 * The API's shapes, generated from its OpenAPI document into api-schema.d.ts by `npm run api-types` (part of
 * `npm run build`), so a change of shape in the API is a type error here.
 */
export type Schemas = components['schemas'];

type Path = keyof paths;

/** What a lookup below gives when the document has no such thing: unusable, so the mistake shows where it is used. */
interface NotInTheDocument<What extends string> {
  readonly notInTheDocument: What;
}

/** The JSON body an operation takes. */
export type JsonBody<P extends Path, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody: { content: { 'application/json': infer Body } };
}
  ? Body
  : NotInTheDocument<'a JSON request body'>;

/** The JSON an operation answers with on success (status 200 unless named). */
export type JsonAnswer<P extends Path, M extends keyof paths[P], Status extends number = 200> = paths[P][M] extends {
  responses: { [S in Status]: { content: { 'application/json': infer Answer } } };
}
  ? Answer
  : NotInTheDocument<'a JSON answer with this status'>;
