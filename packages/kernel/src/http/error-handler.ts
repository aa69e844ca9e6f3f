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
      if (err.status >= 500) req.log.error({ err: safeError(err) }, 'request failed');
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
