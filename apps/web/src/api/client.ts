import createClient from 'openapi-fetch';
import type { paths } from './schema.gen.ts';

/** Same origin; spelled out so requests also build where relative URLs have no base (tests). */
const apiBase = globalThis.location?.origin ?? '';
import { refresh, session } from '../auth/session.ts';
import { ApiError, toProblem } from './problem.ts';

/**
 * Adds the in-memory access token; on a 401 refreshes once (silently, from the cookie) and
 * repeats the request, so an expired token never reaches the person as an error.
 */
async function authedFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const send = (req: Request): Promise<Response> => {
    const token = session.token();
    if (token) req.headers.set('authorization', `Bearer ${token}`);
    return fetch(req);
  };
  const sentWith = session.token();
  const res = await send(input);
  if (res.status !== 401 || !sentWith) return res;
  // Another call may have refreshed while this one was out: use its token, spend nothing.
  if (session.token() && session.token() !== sentWith) return send(retry);
  return (await refresh()) ? send(retry) : res;
}

/** The typed API client: paths and bodies come from the platform's OpenAPI document. */
export const api = createClient<paths>({ baseUrl: apiBase, fetch: authedFetch });

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Data, or an ApiError whose message is a sentence (for TanStack Query's error state). */
export async function must<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call;
  } catch {
    throw new ApiError(toProblem(undefined, 0));
  }
  if (result.error !== undefined || !result.response.ok) {
    const retry = Number(result.response.headers.get('retry-after'));
    throw new ApiError(
      toProblem(result.error, result.response.status),
      Number.isFinite(retry) && retry > 0 ? retry : undefined,
    );
  }
  return result.data as T;
}

/** A fresh Idempotency-Key for one intent (kept by the caller and reused on retry). */
export const newIdempotencyKey = (): string => crypto.randomUUID();
