import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { ProblemError } from '../errors/problem.ts';

/**
 * Admission control (decision 024): each process lets at most so many `/api/` requests of a
 * class be in flight, and refuses the next one at once with 429 + Retry-After, before it has
 * done any work. A spike beyond capacity then costs the refused a few microseconds instead of
 * queueing everyone behind the database pool until its bound answers 503 seconds later.
 *
 * - `read`: GET/HEAD/OPTIONS (mostly cached; a miss is one short query).
 * - `write`: any other method, unless the route says otherwise (one or two short transactions).
 * - `saga`: a request that drives several service calls and transactions one after another
 *   (checkout): it needs a connection for most of its life, so few fit.
 * - `batched`: a request that joins a batch sharing one transaction (ledger writes); the batcher
 *   bounds its own queue (429 ledger-busy), so many may wait for it cheaply.
 */
export const admissionClasses = ['read', 'write', 'saga', 'batched'] as const;
export type AdmissionClass = (typeof admissionClasses)[number];

/** In-flight requests per class and process; 0 means no limit for that class. */
export type AdmissionLimits = Record<AdmissionClass, number>;

/** What a refused client is told to wait before retrying (seconds). */
export const admissionRetryAfterS = 1;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Admission class of the route; by method when absent (GET/HEAD/OPTIONS read, else write). */
    admission?: AdmissionClass;
  }
}

/** Limits of a process whose pool has `poolMax` connections: per-connection factors × pool. */
export function admissionLimits(poolMax: number, perConnection: AdmissionLimits): AdmissionLimits {
  const out = {} as AdmissionLimits;
  for (const c of admissionClasses) out[c] = perConnection[c] * poolMax;
  return out;
}

const classOf = (req: FastifyRequest): AdmissionClass =>
  req.routeOptions.config?.admission ?? (safeMethods.has(req.method) ? 'read' : 'write');

/** Methods that change nothing (a CORS preflight is answered by the plugin, no query). */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A call made in this process through `inject` (light-my-request marks its requests) is part
 * of a request already admitted (a checkout's saga steps in standalone mode): refusing it would
 * fail work that was accepted. Over HTTP (distributed mode) a service's calls are admitted like
 * any other request, and a 429 there is a retry for the caller's saga.
 */
const isInProcess = (req: FastifyRequest): boolean => '_lightMyRequest' in req.raw;

const overloaded = (cls: AdmissionClass, limit: number): ProblemError =>
  new ProblemError(
    429,
    'overloaded',
    'Too many requests',
    `The service is at capacity (${limit} ${cls} requests in progress); retry shortly`,
    { retry_after_s: admissionRetryAfterS },
    { 'retry-after': String(admissionRetryAfterS) },
  );

/**
 * The onRequest hook that admits or refuses. Register it before any other hook that does work
 * (auth, rate limits): a refused request must cost nothing. Only `/api/` routes count: health,
 * metrics and pages stay answerable under any load.
 */
export function registerAdmission(
  app: FastifyInstance,
  limits: AdmissionLimits,
  registry: Registry,
): void {
  const inFlight: AdmissionLimits = { read: 0, write: 0, saga: 0, batched: 0 };
  const releases = new WeakMap<FastifyRequest, () => void>();
  const name = 'http_requests_shed_total';
  const shed =
    (registry.getSingleMetric(name) as Counter<'class'> | undefined) ??
    new Counter({
      name,
      help: 'Requests refused with 429 by admission control, by class',
      labelNames: ['class'],
      registers: [registry],
    });
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/') || isInProcess(req)) return;
    const cls = classOf(req);
    const limit = limits[cls];
    if (limit <= 0) return;
    if (inFlight[cls] >= limit) {
      shed.inc({ class: cls });
      throw overloaded(cls, limit);
    }
    inFlight[cls]++;
    let held = true;
    const giveBack = (): void => {
      if (held) inFlight[cls]--;
      held = false;
    };
    releases.set(req, giveBack);
    // A client that went away leaves its handler running: the slot is given back when that
    // work ends (onSend), not when the socket closes. 'close' after a sent answer covers
    // replies that skip onSend (hijacked).
    reply.raw.once('close', () => {
      if (reply.sent) giveBack();
    });
  });
  app.addHook('onSend', async (req) => {
    releases.get(req)?.();
    releases.delete(req);
  });
}
