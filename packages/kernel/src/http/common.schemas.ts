/**
 * Schemas every service's routes share: ids, nullable values, the Idempotency-Key header and
 * RFC 9457 problem responses (as the error handler and idempotency replays send them).
 */
import { Type } from 'typebox';
import { idempotencyKeyMaxLength } from '../idempotency/idempotency.ts';

// One definition with the resource schemas of @redemption/contracts.
export { AmountMinor, DateTime, Nullable, OneOf, Uuid } from '@redemption/contracts';

/**
 * Request side: `type: [X, 'null']` rather than anyOf. Where Ajv coerces (querystrings; bodies
 * are never coerced), anyOf would let a 0 or '' that fails X's limits slip into the null branch.
 */
export const OrNull = <V>(schema: Record<string, unknown> & { type: string }) =>
  Type.Unsafe<V | null>({ ...schema, type: [schema.type, 'null'] });

const idempotencyKey = Type.String({
  minLength: 1,
  maxLength: idempotencyKeyMaxLength,
  description:
    'client-chosen id of this intent; a retry with the same key and body never applies twice (the first answer is replayed with Idempotent-Replayed: true)',
  examples: ['8e0f7a52-3c1d-4b6e-9f2a-1d2c3b4a5e6f'],
});

/** For a route that requires an Idempotency-Key (`idempotency.respond(..., { required: true })`). */
export const IdempotencyKeyHeader = Type.Object({ 'idempotency-key': idempotencyKey });
/** For a route where the key is optional: without one, a retry may apply again. */
export const OptionalIdempotencyKeyHeader = Type.Object({
  'idempotency-key': Type.Optional(idempotencyKey),
});

/** Extension members (`errors`, `available`, `retry_after_s`, ...) vary by `type`: allowed. */
const problemFields = {
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String()),
  errors: Type.Optional(
    Type.Array(Type.Object({ field: Type.String(), message: Type.String() }), {
      description: 'the fields to fix (400)',
    }),
  ),
};
export const Problem = Type.Object(problemFields, { additionalProperties: true });

export interface ProblemDoc {
  description: string;
  example: { type: string; title: string; status: number; detail: string } & Record<
    string,
    unknown
  >;
}

const doc = (status: number, slug: string, title: string, description: string, detail: string) => ({
  description,
  example: { type: `/problems/${slug}`, title, status, detail },
});

/** What each status means across the API; a route or service may say more (`problemResponsesWith`). */
export const problemDocs = {
  400: {
    description: 'The request is not valid (the field to fix is named)',
    example: {
      type: '/problems/validation-failed',
      title: 'Request is not valid',
      status: 400,
      detail: 'body.quantity must be >= 1',
      errors: [{ field: 'body.quantity', message: 'must be >= 1' }],
    },
  },
  401: doc(
    401,
    'unauthorized',
    'Not authenticated',
    'No valid bearer token',
    'A valid bearer token is required',
  ),
  402: doc(
    402,
    'payment-declined',
    'Payment declined',
    'The card was declined',
    'The card was declined (card_declined)',
  ),
  403: doc(
    403,
    'forbidden',
    'Forbidden',
    'Not allowed for this caller (e.g. needs the admin role)',
    'This needs the admin role',
  ),
  404: doc(
    404,
    'not-found',
    'Not found',
    'No such resource (also for resources of another member)',
    'No such resource',
  ),
  409: doc(
    409,
    'idempotency-key-in-flight',
    'Conflict',
    'Conflicts with the current state, or a request with this Idempotency-Key is still running (retry later)',
    'A request with this Idempotency-Key is still being processed',
  ),
  410: doc(410, 'sold-out', 'Gone', 'Gone for good', 'This is sold out'),
  412: doc(
    412,
    'precondition-failed',
    'Precondition failed',
    'If-Match does not match: the resource changed',
    'The resource changed since the ETag you sent',
  ),
  422: doc(
    422,
    'idempotency-key-reused',
    'Unprocessable request',
    'Understood but refused, or the Idempotency-Key was used with another body',
    'This Idempotency-Key was already used with a different request body',
  ),
  429: {
    description: 'Too many requests; see Retry-After',
    example: {
      type: '/problems/rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: 'Try again in 1 s',
      retry_after_s: 1,
    },
  },
  500: doc(
    500,
    'internal',
    'Internal error',
    'Unexpected error (nothing is shown of it; quote the request id)',
    'Something went wrong on our side; quote request id 0196a1f0-3c4a-7b12-8d9e-0a1b2c3d4e5f if you report it',
  ),
  502: doc(
    502,
    'payment-provider-error',
    'Bad gateway',
    'A provider behind this service failed; nothing was done, retry safely',
    'The payment provider did not answer',
  ),
  503: {
    description: 'A service this one needs did not answer; retry with the same Idempotency-Key',
    example: {
      type: '/problems/dependency-unavailable',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The payments service did not answer; retry with the same Idempotency-Key',
      service: 'payments',
    },
  },
} satisfies Record<number, ProblemDoc>;
export type ProblemStatus = keyof typeof problemDocs;

function problemResponse(d: ProblemDoc) {
  return {
    description: d.description,
    content: {
      'application/problem+json': {
        schema: Type.Object(problemFields, { additionalProperties: true, examples: [d.example] }),
      },
    },
  };
}

/**
 * Route `response` entries for problems, documented as application/problem+json (Fastify also
 * serializes with them, by the content type the error handler sets, keeping extensions).
 */
export function problemResponsesWith(docs: Partial<Record<ProblemStatus, ProblemDoc>>) {
  return (...statuses: ProblemStatus[]) =>
    Object.fromEntries(statuses.map((s) => [s, problemResponse(docs[s] ?? problemDocs[s])]));
}
export const problemResponses = problemResponsesWith({});

interface RouteSchema {
  body?: unknown;
  querystring?: unknown;
  params?: unknown;
  headers?: unknown;
  response?: unknown;
}

/**
 * The problems the kernel itself may answer on a route, added to its documentation unless the
 * route documents them itself: 400 when it takes input, 401 unless public, 409 and 422 when it
 * takes an Idempotency-Key, 500 always.
 */
export function withKernelProblems<S extends RouteSchema>(schema: S, isPublic: boolean): S {
  const headers = schema.headers as { properties?: Record<string, unknown> } | undefined;
  const statuses: ProblemStatus[] = [500];
  if (schema.body || schema.querystring || schema.params || schema.headers) statuses.push(400);
  if (!isPublic) statuses.push(401);
  if (headers?.properties?.['idempotency-key']) statuses.push(409, 422);
  const response = (schema.response ?? {}) as Record<string, unknown>;
  const missing = statuses.filter((s) => response[s] === undefined);
  return { ...schema, response: { ...response, ...problemResponses(...missing) } };
}
