import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { ProblemError } from '../errors/problem.ts';

export type ServiceMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One call to another service's HTTP API, whichever way it travels. */
export interface ServiceRequest {
  method: ServiceMethod;
  /** Path and query, starting with `/api/`. */
  path: string;
  body?: unknown;
  /** Sent as `Idempotency-Key`; retries reuse it, so a retried write applies once. */
  idempotencyKey?: string;
}

export interface ServiceResponse {
  status: number;
  /** Parsed JSON body (problem+json on errors), or null when empty. */
  body: unknown;
}

export type ServiceTransport = (req: ServiceRequest) => Promise<ServiceResponse>;

/** How a service reaches another: `ctx.services.to('loyalty')`. */
export interface ServiceCaller {
  to(service: string): ServiceTransport;
}

export interface RemoteOptions {
  service: string;
  baseUrl: string;
  token: () => Promise<string>;
  timeoutMs: number;
  attemptsMax: number;
}

const breakerFailuresMax = 5;
const breakerHalfOpenAfterMs = 10_000;
const backoffInitialMs = 100;
const backoffMaxMs = 2_000;
const responseBytesMax = 1_048_576;

/** Worth retrying with the same key: the call may not have happened or may succeed next time. */
const retryableStatus = (status: number): boolean =>
  status === 429 || status === 502 || status === 503 || status === 504;

class RetryableStatus extends Error {
  readonly response: ServiceResponse;
  constructor(response: ServiceResponse) {
    super(`status ${response.status}`);
    this.response = response;
  }
}

/**
 * HTTP to a service in another process: a timeout per attempt (the seed's 5 s), retries with
 * backoff that reuse the Idempotency-Key, and a circuit breaker (cockatiel) per target service
 * so a dead dependency fails fast instead of piling up requests.
 */
export function remoteTransport(opts: RemoteOptions): ServiceTransport {
  const policy: IPolicy = wrap(
    retry(
      handleWhen((e) => !(e instanceof BrokenCircuitError)),
      {
        maxAttempts: opts.attemptsMax - 1,
        backoff: new ExponentialBackoff({ initialDelay: backoffInitialMs, maxDelay: backoffMaxMs }),
      },
    ),
    circuitBreaker(
      handleWhen((e) => !(e instanceof RetryableStatus && e.response.status === 429)),
      {
        halfOpenAfter: breakerHalfOpenAfterMs,
        breaker: new ConsecutiveBreaker(breakerFailuresMax),
      },
    ),
  );
  return async (req) => {
    try {
      return await policy.execute(() => fetchOnce(opts, req));
    } catch (err) {
      if (err instanceof RetryableStatus) return err.response;
      throw unavailable(opts.service, err);
    }
  };
}

async function fetchOnce(opts: RemoteOptions, req: ServiceRequest): Promise<ServiceResponse> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${await opts.token()}`,
    accept: 'application/json',
  };
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  if (req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;
  const res = await fetch(new URL(req.path, opts.baseUrl), {
    method: req.method,
    headers,
    ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
    signal: AbortSignal.timeout(opts.timeoutMs),
  });
  const text = await res.text();
  if (text.length > responseBytesMax) throw new Error(`${opts.service} answered too much`);
  const response = { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  if (retryableStatus(res.status)) throw new RetryableStatus(response);
  return response;
}

/** The dependency could not be reached (timeout, refused, circuit open): a 503 upstream. */
function unavailable(service: string, err: unknown): ProblemError {
  const why = err instanceof BrokenCircuitError ? 'circuit open' : String(err);
  return new ProblemError(
    503,
    'dependency-unavailable',
    'Service Unavailable',
    `The ${service} service did not answer (${why}); retry with the same Idempotency-Key`,
    { service },
    { 'retry-after': '1' },
  );
}
