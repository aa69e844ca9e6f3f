/**
 * What an OpenAPI document must say of every operation so people (and generated clients) can
 * use it: a tag (the service's own for its paths), a unique operationId, and its error
 * responses as problem+json, with 401 where a token is needed and 400 where it takes input. Returns the problems, one readable line each; empty when the document passes.
 */
import { gatewayRoutes } from '../gateway.ts';

interface Media {
  schema?: unknown;
}
interface Operation {
  tags?: string[];
  operationId?: string;
  security?: unknown[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, Media> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

const methods = new Set(['get', 'put', 'post', 'delete', 'patch']);

/** The service that owns a path, by the gateway's routing table. */
export function serviceOfPath(path: string): string | undefined {
  return gatewayRoutes.find((r) => r.prefixes.some((p) => path.startsWith(p)))?.service;
}

export function operationsOf(doc: OpenApiDocument): Array<[string, Operation]> {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([m]) => methods.has(m))
      .map(([m, op]): [string, Operation] => [`${m.toUpperCase()} ${path}`, op]),
  );
}

function operationProblems(name: string, op: Operation): string[] {
  const out: string[] = [];
  const service = serviceOfPath(name.split(' ')[1]!);
  if (!op.tags?.length) out.push(`${name}: no tag`);
  else if (service && !op.tags.includes(service)) out.push(`${name}: not tagged "${service}"`);
  if (!op.operationId) out.push(`${name}: no operationId`);
  const errors = Object.entries(op.responses ?? {}).filter(([code]) => /^[45]/.test(code));
  if (errors.length === 0) out.push(`${name}: no error response`);
  for (const [code, r] of errors)
    if (!r.content?.['application/problem+json']?.schema)
      out.push(`${name}: ${code} is not documented as application/problem+json`);
  const codes = new Set(errors.map(([code]) => code));
  if (op.security?.length && !codes.has('401')) out.push(`${name}: needs a token but no 401`);
  if ((op.parameters?.length || op.requestBody) && !codes.has('400'))
    out.push(`${name}: takes input but no 400`);
  return out;
}

export function auditOpenApi(doc: OpenApiDocument): string[] {
  const ops = operationsOf(doc);
  const problems = ops.flatMap(([name, op]) => operationProblems(name, op));
  const seen = new Map<string, string>();
  for (const [name, op] of ops) {
    const other = op.operationId && seen.get(op.operationId);
    if (other) problems.push(`${name}: operationId ${op.operationId} is also ${other}'s`);
    if (op.operationId) seen.set(op.operationId, name);
  }
  return problems;
}
