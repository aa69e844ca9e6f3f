/**
 * Requests for one OpenAPI operation: valid ones drawn from its schemas (path ids from the
 * fixtures half the time, so calls reach past the 404), and invalid ones, each a valid request
 * with one thing broken that the operation must refuse with a 4xx: a body value of the wrong
 * type or out of range, a missing or unknown property, non-finite numbers, text that is not
 * JSON, deep nesting, a huge array, an overlong UTF-8 sequence, a hostile query or path value,
 * a forged cursor, an oversized header.
 */
import fc from 'fast-check';
import {
  deepNesting,
  nonFiniteJson,
  refusedValues,
  valueFor,
  type JsonSchema,
} from './schema-arbitrary.ts';

export interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: JsonSchema;
}

export interface Operation {
  method: string;
  /** OpenAPI template, `{id}` for parameters. */
  path: string;
  operationId: string;
  parameters: Parameter[];
  body?: JsonSchema;
  /** Answers with a server-sent event stream (text/event-stream), which never ends. */
  streams: boolean;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Raw text or bytes as sent; absent: no body. */
  payload?: string | Buffer;
  /** True when the operation must refuse it (4xx problem+json). */
  invalid: boolean;
  /** What was broken, for the failure message. */
  mutation: string;
}

/** The parts of an OpenAPI operation the fuzzer reads. */
interface DocOperation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

type Doc = { paths: Record<string, Record<string, DocOperation>> };

/** Every operation of the document, with its parameters and JSON body schema. */
export function operationsOf(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, byMethod] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(byMethod))
      ops.push({
        method: method.toUpperCase(),
        path,
        operationId: op['operationId'] ?? `${method} ${path}`,
        parameters: op['parameters'] ?? [],
        body: op['requestBody']?.content?.['application/json']?.schema,
        streams: Object.values(op['responses'] ?? {}).some(
          (r) => r.content?.['text/event-stream'] !== undefined,
        ),
      });
  return ops;
}

/** A request's parts before it is encoded. */
interface Parts {
  path: Record<string, string>;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body?: unknown;
}

const bodyLimitBytes = 64 * 1024;
const asciiHeader = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 });

const queryText = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : typeof v === 'object' ? [JSON.stringify(v)] : [String(v)];

/** Valid parts of `op`; `ids` are well-formed ids of real resources to use in paths. */
export function validParts(op: Operation, ids: readonly string[]): fc.Arbitrary<Parts> {
  const params = (where: Parameter['in']) => op.parameters.filter((p) => p.in === where);
  const pathArb = fc.record(
    Object.fromEntries(
      params('path').map((p) => [
        p.name,
        fc.oneof(fc.constantFrom(...ids), valueFor(p.schema ?? {}).map(String)),
      ]),
    ),
  ) as fc.Arbitrary<Record<string, string>>;
  const queryArb = fc.record(
    Object.fromEntries(params('query').map((p) => [p.name, valueFor(p.schema ?? {})])),
    {
      requiredKeys: params('query')
        .filter((p) => p.required)
        .map((p) => p.name),
    },
  );
  const headerArb = fc.record(
    Object.fromEntries(
      params('header').map((p) => [p.name, p.name === 'idempotency-key' ? fc.uuid() : asciiHeader]),
    ),
    {
      requiredKeys: params('header')
        .filter((p) => p.required)
        .map((p) => p.name),
    },
  ) as fc.Arbitrary<Record<string, string>>;
  const bodyArb = op.body ? valueFor(op.body) : fc.constant(undefined);
  return fc
    .record({ path: pathArb, query: queryArb, headers: headerArb, body: bodyArb })
    .map((r) => ({
      ...r,
      query: Object.entries(r.query).flatMap(([k, v]) => queryText(v).map((t) => [k, t])) as Array<
        [string, string]
      >,
    }));
}

/** The request as sent: `raw` replaces the JSON body text when given. */
export function encode(
  op: Operation,
  parts: Parts,
  mutation = 'none',
  invalid = false,
): FuzzRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
    encodeURIComponent(parts.path[name] ?? ''),
  );
  const qs = parts.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  const url = qs.length ? `${path}?${qs.join('&')}` : path;
  const headers = { ...parts.headers };
  const req: FuzzRequest = { method: op.method, url, headers, invalid, mutation };
  if (parts.body !== undefined) {
    headers['content-type'] = 'application/json';
    req.payload = JSON.stringify(parts.body);
  }
  return req;
}

export { bodyLimitBytes, deepNesting, nonFiniteJson, refusedValues };
