/**
 * fast-check arbitraries from the JSON Schemas of the OpenAPI document (the subset TypeBox
 * emits: object, array, string with format/pattern/length, integer/number with bounds, boolean,
 * null, enum, const, anyOf/oneOf), and the hostile values the fuzzer puts where they do not
 * belong. Valid strings include the Unicode a client may legitimately send: right-to-left
 * marks, combining marks, astral characters, zero-width joiners.
 */
import fc from 'fast-check';

export interface JsonSchema {
  type?: string | string[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  not?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  maxProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
}

/** Longest generated valid string and array: enough to cross limits, cheap to send. */
const stringLengthCap = 40;
const arrayLengthCap = 4;
const dictionaryKeysCap = 3;

/** Characters a client may send inside valid text, beyond ASCII. */
const unicodeEdges = [
  '\u202e', // right-to-left override
  '\u05d0', // Hebrew alef (RTL)
  'e\u0301', // e + combining acute
  '\u200d', // zero-width joiner
  '\ufeff', // byte-order mark
  '\u{1f600}', // astral (a surrogate pair in UTF-16)
  '\u00e9',
  '\u4e2d',
];

/** Text for fields without a format: mostly ASCII, some Unicode edge characters. */
const textUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(...unicodeEdges) },
);

function stringArbitrary(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = Math.min(s.maxLength ?? stringLengthCap, Math.max(minLength, stringLengthCap));
  const fits = (v: string) => v.length >= minLength && v.length <= (s.maxLength ?? Infinity);
  switch (s.format) {
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress().filter(fits);
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'uri':
      return fc.webUrl().filter(fits);
  }
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  return fc.string({ unit: textUnit, minLength, maxLength }).filter(fits);
}

function numberArbitrary(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lo = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : s.minimum;
  const hi = s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : s.maximum;
  if (integer)
    return fc.integer({
      min: Math.max(lo ?? -1e9, Number.MIN_SAFE_INTEGER),
      max: Math.min(hi ?? 1e9, Number.MAX_SAFE_INTEGER),
    });
  return fc.double({ min: lo ?? -1e9, max: hi ?? 1e9, noNaN: true, noDefaultInfinity: true });
}

function objectArbitrary(s: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const props = s.properties ?? {};
  const keys = Object.keys(props);
  if (keys.length === 0 && typeof s.additionalProperties === 'object') {
    const value = valueFor(s.additionalProperties);
    const key = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 });
    const maxKeys = Math.min(s.maxProperties ?? dictionaryKeysCap, dictionaryKeysCap);
    return fc.dictionary(key, value, { minKeys: s.minProperties ?? 0, maxKeys });
  }
  const model = Object.fromEntries(keys.map((k) => [k, valueFor(props[k]!)]));
  const record = fc.record(model, { requiredKeys: s.required ?? [] });
  const minProperties = s.minProperties ?? 0;
  return record.filter((r) => Object.keys(r).length >= minProperties);
}

/** Values `s` accepts. */
export function valueFor(s: JsonSchema): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const union = s.anyOf ?? s.oneOf;
  if (union) return fc.oneof(...union.map(valueFor));
  if (s.allOf?.length === 1) return valueFor(s.allOf[0]!);
  const types = Array.isArray(s.type) ? s.type : [s.type ?? 'unknown'];
  return fc.oneof(...types.map((t) => valueOfType(s, t)));
}

function valueOfType(s: JsonSchema, type: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return stringArbitrary(s);
    case 'integer':
      return numberArbitrary(s, true);
    case 'number':
      return numberArbitrary(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const maxLength = Math.min(s.maxItems ?? arrayLengthCap, arrayLengthCap);
      const minLength = Math.min(s.minItems ?? 0, maxLength);
      return fc.array(valueFor(s.items ?? {}), { minLength, maxLength });
    }
    case 'object':
      return objectArbitrary(s);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Deeply nested JSON text under `bytesMax`: `{"a":{"a":...}}`, to be sent raw. */
export const deepNesting = (bytesMax: number): string => {
  const depth = Math.floor((bytesMax - 8) / 7);
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
};

/** Values that are wrong in most places: the wrong type, out of any range, hostile text. */
export const hostileValues: readonly unknown[] = [
  '5',
  5,
  1.5,
  -1,
  0,
  true,
  null,
  [],
  {},
  [1, 2],
  { $gt: '' },
  2 ** 53 + 1,
  -(2 ** 63),
  1e308,
  Number.MIN_VALUE,
  'a\u0000b',
  '\u0000',
  '\ud800', // a lone surrogate
  'x\udfffy',
  '\u202e\u202e',
  'e\u0301\u0301\u0301\u0301',
  "'; DROP TABLE x; --",
  '../../etc/passwd',
  'x'.repeat(10_000),
  '9'.repeat(400),
  '2026-02-30T25:61:00Z',
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
];

/** JSON texts a serializer never writes, sent raw where a number goes: ±1e400, NaN, Infinity. */
export const nonFiniteJson = ['1e400', '-1e400', 'NaN', 'Infinity', '-Infinity', '1e-400'];

const jsonTypeOf = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number' && Number.isInteger(v)
        ? 'integer'
        : typeof v;

/** The JSON types `s` admits, or null when it admits any (no type, or a union we do not read). */
function admittedTypes(s: JsonSchema): Set<string> | null {
  const union = s.anyOf ?? s.oneOf;
  if (union) {
    const sets = union.map(admittedTypes);
    if (sets.some((x) => x === null)) return null;
    return new Set(sets.flatMap((x) => [...x!]));
  }
  if (s.const !== undefined) return new Set([jsonTypeOf(s.const)]);
  if (s.enum) return new Set(s.enum.map(jsonTypeOf));
  if (s.type === undefined) return null;
  const types = new Set(Array.isArray(s.type) ? s.type : [s.type]);
  if (types.has('number')) types.add('integer');
  return types;
}

/**
 * Values `s` refuses for certain: a JSON type it does not admit, a number outside its bounds,
 * a string over its maximum length or outside its enum. None when it admits anything.
 */
export function refusedValues(s: JsonSchema): unknown[] {
  const types = admittedTypes(s);
  if (!types) return [];
  const out = hostileValues.filter((v) => !types.has(jsonTypeOf(v)));
  const union = s.anyOf ?? s.oneOf;
  if (!union && (s.type === 'integer' || s.type === 'number')) {
    if (s.maximum !== undefined) out.push(s.maximum + 1);
    if (s.minimum !== undefined) out.push(s.minimum - 1);
    if (s.type === 'integer') out.push(1.5);
  }
  if (!union && s.type === 'string') {
    if (s.maxLength !== undefined) out.push('x'.repeat(s.maxLength + 1));
    if (s.enum) out.push('not-one-of-them');
    if (s.format === 'uuid') out.push('not-a-uuid', '0192f5d0-1111-7222-8333-44445555666');
  }
  return out;
}
