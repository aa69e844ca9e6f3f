import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError, problemTypeBase, type ProblemBody } from '../errors/problem.ts';
import { safeError } from '../log/safe-error.ts';

const problemContentType = 'application/problem+json; charset=utf-8';

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** `body.email`, `querystring.limit`, `params.id`: the field a client must fix. */
export function fieldOf(context: string | undefined, e: AjvError): string {
  const path = e.instancePath.split('/').filter(Boolean);
  if (e.keyword === 'required' && typeof e.params['missingProperty'] === 'string')
    path.push(e.params['missingProperty']);
  if (e.keyword === 'additionalProperties' && typeof e.params['additionalProperty'] === 'string') {
    path.push(e.params['additionalProperty']);
  }
  return [context ?? 'body', ...path].join('.');
}

function validationProblem(err: FastifyError): ProblemBody {
  const errors = (err.validation as AjvError[]).map((e) => {
    const field = fieldOf(err.validationContext, e);
    const message =
      e.keyword === 'additionalProperties'
        ? 'is not an allowed field'
        : (e.message ?? 'is invalid');
    return { field, message };
  });
  const first = errors[0];
  return {
    type: problemTypeBase + 'validation-failed',
    title: 'Request is not valid',
    status: 400,
    detail: first ? `${first.field} ${first.message}` : 'Request is not valid',
    errors,
  };
}

function send(
  reply: FastifyReply,
  body: ProblemBody,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply.code(body.status).headers(headers).type(problemContentType).send(body);
}

/** Every error leaves as problem+json; 5xx never shows internals. */
export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ProblemError) {
      // Overload (503 with Retry-After) is a warning: nothing is broken, and a spike must not
      // look like an outage in the error logs.
      if (err.status === 503) req.log.warn({ err: safeError(err) }, 'request shed');
      else if (err.status >= 500) req.log.error({ err: safeError(err) }, 'request failed');
      return send(reply, err.toBody(req.url), err.headers);
    }
    if (err.validation) return send(reply, { ...validationProblem(err), instance: req.url });
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, body too large, wrong content type): safe to show.
      const slug = (err.code ?? 'bad-request')
        .toLowerCase()
        .replace(/^fst_err_/, '')
        .replace(/_/g, '-');
      return send(reply, {
        type: problemTypeBase + slug,
        title: 'Bad request',
        status,
        detail: err.message,
        instance: req.url,
      });
    }
    // Reduced here as well as by the logger's serializer: createServer accepts any logger.
    req.log.error({ err: safeError(err) }, 'unhandled error');
    return send(reply, {
      type: problemTypeBase + 'internal',
      title: 'Internal error',
      status: 500,
      detail: `Something went wrong on our side; quote request id ${req.id} if you report it`,
      instance: req.url,
    });
  });
  app.setNotFoundHandler((req, reply) =>
    send(reply, {
      type: problemTypeBase + 'not-found',
      title: 'Not found',
      status: 404,
      detail: `No route for ${req.method} ${req.url.split('?')[0]}`,
      instance: req.url,
    }),
  );
}

/**
 * Longest path parameter the router accepts. Every id in the API is a UUID (36 characters);
 * longer is answered 414 before any route runs.
 */
export const routeParamLengthMax = 100;

/**
 * Errors the router raises before a route is found (an undecodable `%zz`, a parameter over
 * `routeParamLengthMax`). Fastify's own answers are plain JSON quoting the path back; these are
 * problem+json and never echo the URL (no `instance`), since it is what the client got wrong.
 */
export function frameworkErrorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  // No route, so no route hooks: the headers every other answer gets are set here.
  reply.header('x-request-id', req.id).header('x-content-type-options', 'nosniff');
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  if (!tooLong && err.code !== 'FST_ERR_BAD_URL') {
    req.log.error({ err: safeError(err) }, 'router error');
    return send(reply, {
      type: problemTypeBase + 'internal',
      title: 'Internal error',
      status: 500,
      detail: `Something went wrong on our side; quote request id ${req.id} if you report it`,
    });
  }
  return send(reply, {
    type: problemTypeBase + (tooLong ? 'uri-too-long' : 'bad-url'),
    title: tooLong ? 'URI too long' : 'Bad request',
    status: tooLong ? 414 : 400,
    detail: tooLong
      ? `A path segment is longer than ${routeParamLengthMax} characters`
      : 'The URL is not valid (malformed percent-encoding)',
  });
}

/** What Node's HTTP parser refused, by its error code: status and a detail without the input. */
function parserProblem(code: string): [number, string] {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'The request did not arrive in time'];
  if (code === 'HPE_HEADER_OVERFLOW')
    return [431, 'The request line and headers are larger than the server accepts'];
  return [400, 'The request is not valid HTTP'];
}

/**
 * Errors of Node's HTTP parser, before Fastify sees a request (malformed request line, oversized
 * headers or URL, timeout): answered as problem+json on the raw socket, which is then closed.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  err: Error & { code?: string },
  socket: Socket,
): void {
  // A reset connection has no one left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] = parserProblem(err.code ?? '');
  const title = STATUS_CODES[status] ?? 'Bad request';
  const body = JSON.stringify({ type: problemTypeBase + 'bad-request', title, status, detail });
  this.log.debug({ err: safeError(err) }, 'client error');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${problemContentType}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
