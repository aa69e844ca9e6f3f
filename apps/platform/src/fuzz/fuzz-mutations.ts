/**
 * Broken requests: a valid request of the operation with one thing wrong. `invalid` is set only
 * where the schema refuses the result for certain; the rest (text that decodes to replacement
 * characters, deep JSON in a free-form field) must only never be a 5xx.
 */
import fc from 'fast-check';
import {
  bodyLimitBytes,
  deepNesting,
  encode,
  nonFiniteJson,
  refusedValues,
  validParts,
  type FuzzRequest,
  type Operation,
  type Parameter,
} from './fuzz-requests.ts';
import type { JsonSchema } from './schema-arbitrary.ts';

/** The mutation of a request drawn valid from the document, unbroken. */
export const validMutation = 'none (valid)';

type Parts = Parameters<typeof encode>[1];
type Mutation = (p: Parts) => fc.Arbitrary<FuzzRequest>;
type Path = Array<string | number>;

const nestingDepthMax = 3;
const nonFiniteMark = '\u0001non-finite\u0001';
/** A request path parameter longer than this is refused before routing (414). */
const pathParamTooLong = 'x'.repeat(150);
/** Undecodable or hostile once percent-decoded: NUL, an encoded surrogate, an overlong '/'. */
const rawHostileText = ['%00', 'a%00b', '%ED%A0%80', '%C0%AF', '%FF'];
const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const forgedCursors = [
  base64url('["price",1e400,"x"]'),
  base64url('["name",{"x":1},"00000000-0000-0000-0000-000000000000"]'),
  base64url('not json at all'),
  base64url('2026-01-01T00:00:00.000Z|not-a-uuid'),
  base64url('\u0000|\u0000'),
  base64url('["-created_at","yesterday","01937a4e-8f1c-7b2a-9c3d-4e5f6a7b8c9d"]'),
  '!!!not-base64!!!',
];

/** Every (path, schema) inside a body schema, a few levels deep (array items at index 0). */
function valuePaths(s: JsonSchema, prefix: Path = [], depth = 0): Array<[Path, JsonSchema]> {
  if (depth > nestingDepthMax) return [];
  const out: Array<[Path, JsonSchema]> = [];
  const object = s.properties ? s : (s.anyOf ?? []).find((x) => x.properties);
  for (const [k, child] of Object.entries(object?.properties ?? {})) {
    out.push([[...prefix, k], child], ...valuePaths(child, [...prefix, k], depth + 1));
  }
  if (s.type === 'array' && s.items) {
    out.push([[...prefix, 0], s.items], ...valuePaths(s.items, [...prefix, 0], depth + 1));
  }
  return out;
}

/** `body` with `value` at `path`, building the containers on the way when absent. */
function setAt(body: unknown, path: Path, value: unknown): unknown {
  const root = structuredClone(body ?? {}) as Record<string | number, unknown>;
  let node = root;
  path.forEach((key, i) => {
    if (i === path.length - 1) return void (node[key] = value);
    const next = node[key];
    if (next === null || typeof next !== 'object')
      node[key] = typeof path[i + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  });
  return root;
}

const withBody = (
  op: Operation,
  p: Parts,
  payload: string | Buffer,
  mutation: string,
  invalid = true,
) => {
  const req = encode(op, { ...p, body: undefined }, mutation, invalid);
  req.headers['content-type'] = 'application/json';
  req.payload = payload;
  return req;
};

function bodyMutations(op: Operation): Mutation[] {
  const schema = op.body;
  if (!schema) return [];
  const paths = valuePaths(schema);
  const out: Mutation[] = [];
  const refused = paths.flatMap(([path, s]) => refusedValues(s).map((v) => [path, v] as const));
  if (refused.length)
    out.push((p) =>
      fc
        .constantFrom(...refused)
        .map(([path, v]) =>
          encode(
            op,
            { ...p, body: setAt(p.body, path, v) },
            `body.${path.join('.')} = ${JSON.stringify(v).slice(0, 40)}`,
            true,
          ),
        ),
    );
  const numeric = paths.filter(([, s]) => s.type === 'integer' || s.type === 'number');
  const nonFinite = nonFiniteJson.filter((t) => t !== '1e-400');
  if (numeric.length)
    out.push((p) =>
      fc.tuple(fc.constantFrom(...numeric), fc.constantFrom(...nonFinite)).map(([[path], raw]) => {
        const text = JSON.stringify(setAt(p.body, path, nonFiniteMark)).replace(
          `"${nonFiniteMark}"`,
          raw,
        );
        return withBody(op, p, text, `body.${path.join('.')} = ${raw}`);
      }),
    );
  for (const name of schema.required ?? [])
    out.push((p) => {
      const body = { ...(p.body as object) } as Record<string, unknown>;
      delete body[name];
      return fc.constant(encode(op, { ...p, body }, `body.${name} missing`, true));
    });
  if (schema.additionalProperties === false)
    out.push((p) =>
      fc.constant(
        encode(
          op,
          { ...p, body: { ...(p.body as object), zz_unknown: 1 } },
          'unknown property',
          true,
        ),
      ),
    );
  out.push((p) => wholeBodyMutations(op, p, schema, paths));
  return out;
}

/** The whole body replaced: not JSON, the wrong JSON type, too deep, too big, not UTF-8. */
function wholeBodyMutations(
  op: Operation,
  p: Parts,
  schema: JsonSchema,
  paths: Array<[Path, JsonSchema]>,
) {
  const closed = schema.additionalProperties === false;
  const cases: FuzzRequest[] = [
    withBody(op, p, '{"a":', 'truncated JSON'),
    withBody(op, p, '', 'empty JSON body'),
    withBody(op, p, '[]', 'an array body'),
    withBody(op, p, '"text"', 'a string body'),
    withBody(op, p, '1e400', 'a non-finite body'),
    withBody(op, p, '{"a":1}\u0000', 'NUL after the JSON'),
    withBody(op, p, deepNesting(bodyLimitBytes - 1024), 'deep nesting', closed),
    withBody(op, p, `[${'0,'.repeat(30_000)}0]`, 'a huge array body'),
    withBody(op, p, 'x'.repeat(bodyLimitBytes + 1), 'over the body limit'),
    withBody(
      op,
      p,
      Buffer.concat([
        Buffer.from('{"a":"'),
        Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80, 0xff]),
        Buffer.from('"}'),
      ]),
      'overlong UTF-8',
      closed,
    ),
  ];
  const plain = encode(op, p, 'text/plain body', true);
  plain.headers['content-type'] = 'text/plain';
  cases.push(plain);
  for (const [path, s] of paths) {
    if (s.type === undefined && !s.anyOf && !s.properties) {
      // A free-form field: nesting deeper than any scan, a NUL at the bottom.
      const deep = JSON.stringify(setAt(p.body, path, '\u0001deep\u0001'));
      const nested = `${'{"a":'.repeat(2_000)}"x\\u0000"${'}'.repeat(2_000)}`;
      cases.push(
        withBody(
          op,
          p,
          deep.replace('"\u0001deep\u0001"', nested),
          `deep NUL in body.${path.join('.')}`,
          false,
        ),
      );
    }
    if (s.type === 'array' && s.items) {
      const huge = Array.from({ length: Math.max((s.maxItems ?? 0) + 1, 2_000) }, () => 0);
      const text = JSON.stringify(setAt(p.body, path, huge));
      if (text.length < bodyLimitBytes)
        cases.push(withBody(op, p, text, `huge array at body.${path.join('.')}`));
    }
  }
  return fc.constantFrom(...cases);
}

/** Query values the parameter refuses for certain, as raw (already encoded) text. */
function refusedQueryText(param: Parameter): string[] {
  const s = param.schema ?? {};
  const out: string[] = [];
  if (s.type === 'integer' || s.type === 'number') {
    out.push('1e400', '-1e400', 'NaN', 'Infinity', 'abc', '%00');
    if (s.maximum !== undefined) out.push(String(s.maximum + 1));
    if (s.minimum !== undefined) out.push(String(s.minimum - 1));
    if (s.type === 'integer') out.push('1.5');
  } else if (s.type === 'boolean') out.push('maybe', '%00');
  else if (s.type === 'string' || s.anyOf) {
    out.push('a%00b');
    if (s.maxLength !== undefined) out.push('x'.repeat(s.maxLength + 1));
    if (s.format === 'uuid') out.push('not-a-uuid');
    if (s.anyOf || s.enum) out.push('not-one-of-them');
  }
  if (param.name === 'cursor') out.push(...forgedCursors);
  return out;
}

function queryMutations(op: Operation): Mutation[] {
  const params = op.parameters.filter((p) => p.in === 'query');
  const refused = params.flatMap((param) =>
    refusedQueryText(param).map((t) => [param.name, t] as const),
  );
  const out: Mutation[] = [];
  if (refused.length)
    out.push((p) =>
      fc.constantFrom(...refused).map(([name, raw]) => {
        const req = encode(
          op,
          { ...p, query: p.query.filter(([k]) => k !== name) },
          `query ${name}=${raw.slice(0, 40)}`,
          true,
        );
        req.url += `${req.url.includes('?') ? '&' : '?'}${name}=${raw}`;
        return req;
      }),
    );
  if (params.length)
    out.push((p) =>
      fc
        .tuple(fc.constantFrom(...params), fc.constantFrom(...rawHostileText, 'x&x=1&x=2'))
        .map(([param, raw]) => {
          const req = encode(op, p, `query ${param.name}=${raw} (hostile text)`, false);
          req.url += `${req.url.includes('?') ? '&' : '?'}${param.name}=${raw}&${param.name}=${raw}`;
          return req;
        }),
    );
  return out;
}

function pathMutations(op: Operation): Mutation[] {
  const params = op.parameters.filter((p) => p.in === 'path');
  if (!params.length) return [];
  const hostile = ['not-a-uuid', ...rawHostileText, pathParamTooLong, '..%2F..%2Fetc', '%2e%2e'];
  return [
    (p) =>
      fc.tuple(fc.constantFrom(...params), fc.constantFrom(...hostile)).map(([param, raw]) => {
        const marked = encode(
          op,
          { ...p, path: { ...p.path, [param.name]: '\u0001' } },
          `path ${param.name}=${raw}`,
          true,
        );
        marked.url = marked.url.replace('%01', raw);
        // A reservation id is free text within its pattern: only what breaks it is invalid.
        marked.invalid = param.schema?.format === 'uuid' || /%|x{150}/.test(raw);
        return marked;
      }),
  ];
}

function headerMutations(op: Operation): Mutation[] {
  const key = op.parameters.find((p) => p.in === 'header' && p.name === 'idempotency-key');
  if (!key) return [];
  return [
    (p) =>
      fc.constantFrom('x'.repeat(256), '').map((v) => {
        const req = encode(
          op,
          { ...p, headers: { ...p.headers, 'idempotency-key': v } },
          `idempotency-key of ${v.length}`,
          true,
        );
        // An empty optional key is no key at all.
        req.invalid = v.length > 0 || key.required === true;
        return req;
      }),
  ];
}

/** Broken requests of `op`, each with one thing wrong. */
export function invalidRequest(
  op: Operation,
  ids: readonly string[],
): fc.Arbitrary<FuzzRequest> | null {
  const mutations = [
    ...bodyMutations(op),
    ...queryMutations(op),
    ...pathMutations(op),
    ...headerMutations(op),
  ];
  if (!mutations.length) return null;
  return validParts(op, ids).chain((p) => fc.oneof(...mutations.map((m) => m(p))));
}

export function validRequest(op: Operation, ids: readonly string[]): fc.Arbitrary<FuzzRequest> {
  return validParts(op, ids).map((p) => encode(op, p, validMutation, false));
}
