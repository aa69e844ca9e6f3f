import { Transform } from 'node:stream';
import { bodyLimitBytes, ProblemError, type App } from '@redemption/kernel';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The seed's gateway → service timeout (30 s; a service → service call has 5 s): an upstream
 * that has not sent its answer by then gets the caller a 504, not a connection held for minutes
 * (undici's default is 300 s).
 */
export const upstreamTimeoutMs = 30_000;
/**
 * The largest request body the gateway forwards: the services' own limit, so a body a service
 * would refuse is refused at the door, before it is streamed across the network.
 */
export const gatewayBodyLimitBytes = bodyLimitBytes;

const tooLarge = (limitBytes: number): ProblemError =>
  new ProblemError(
    413,
    'body-too-large',
    'Request body too large',
    `The request body must be at most ${limitBytes} bytes`,
  );

/** Passes a body through, failing it with 413 once more than `limitBytes` have gone by. */
function cappedBody(limitBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > limitBytes ? tooLarge(limitBytes) : null, chunk);
    },
  });
}

/**
 * Proxied bodies are streamed, never parsed, so Fastify's own body limit does not apply to
 * them: refuse a declared length over the limit at once, and cut a chunked body off when it
 * passes the limit.
 */
export function limitRequestBodies(app: App, limitBytes: number): void {
  app.addHook('preParsing', async (req, _reply, payload) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limitBytes) throw tooLarge(limitBytes);
    return payload.pipe(cappedBody(limitBytes));
  });
}

/** The ProblemError behind a proxy error, when the request body was cut off by the limit. */
function ownProblem(err: unknown): ProblemError | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (e instanceof ProblemError) return e;
  return undefined;
}

/**
 * What a caller gets when the upstream did not answer: 504 after `upstreamTimeoutMs`, 502 when
 * it could not be reached; problem+json naming the service, never the upstream's address.
 */
export function upstreamError(service: string, timeoutMs: number) {
  return (
    reply: { send(payload: unknown): unknown; log: FastifyBaseLogger },
    { error }: { error: Error & { statusCode?: number } },
  ): void => {
    const own = ownProblem(error);
    if (own) return void reply.send(own);
    reply.log.warn({ err: error, service }, 'upstream failed');
    const problem =
      error.statusCode === 504
        ? new ProblemError(
            504,
            'upstream-timeout',
            'Upstream timeout',
            `The ${service} service did not answer within ${timeoutMs / 1000} s`,
          )
        : new ProblemError(
            502,
            'upstream-unavailable',
            'Upstream unavailable',
            `The ${service} service could not be reached`,
          );
    reply.send(problem);
  };
}
