import { AjvCompiler, type ErrorObject } from '@fastify/ajv-compiler';

type Validate = ((data: unknown, ctx?: unknown) => boolean) & {
  errors?: Partial<ErrorObject>[] | null;
  schemaEnv?: unknown;
};
type BuildValidator = ReturnType<typeof AjvCompiler>;
type Compile = ReturnType<BuildValidator>;

/** Deepest nesting the NUL scan follows; deeper input is left to the schema (bodies are 64 KiB). */
const nulScanDepthMax = 64;

const ajvBase = {
  removeAdditional: false,
  useDefaults: true,
  // One error is enough to name the field; every error is a DoS lever on large inputs.
  allErrors: false,
} as const;

/**
 * Validators per part of the request. Bodies are JSON and arrive typed, so they are never
 * coerced: `"5"` is not 5 and `true` is not 1. Querystrings, params and headers are text, so
 * they are coerced (`?limit=5`), then checked again WITHOUT coercion, because Ajv's coercion
 * turns `"1e400"` into Infinity and then skips minimum/maximum for non-finite numbers; the
 * second pass rejects what is not a finite number in range. Every part is then scanned for NUL
 * characters, which PostgreSQL refuses in text (a 500 otherwise), so no route has to.
 */
export const buildValidator: BuildValidator = (externalSchemas) => {
  const factory = AjvCompiler();
  const exact = factory(externalSchemas, { customOptions: { ...ajvBase, coerceTypes: false } });
  const coercing = factory(externalSchemas, {
    customOptions: { ...ajvBase, coerceTypes: 'array' },
  });
  // Fastify only calls the function and reads `errors` and `schemaEnv`; Ajv's other members
  // (schema, source) are not needed, hence the cast.
  return ((route: Parameters<Compile>[0]) => {
    const check = exact(route) as Validate;
    const validate =
      route.httpPart === 'body' ? check : coerceThenCheck(coercing(route) as Validate, check);
    return refuseNul(validate);
  }) as unknown as Compile;
};

function coerceThenCheck(coerce: Validate, check: Validate): Validate {
  const validate: Validate = (data, ctx) => {
    const ok = coerce(data, ctx) && check(data);
    validate.errors = ok ? null : (coerce.errors ?? check.errors ?? null);
    return ok;
  };
  // Fastify passes the parent (to let Ajv replace a root value) only to functions carrying this.
  validate.schemaEnv = coerce.schemaEnv;
  return validate;
}

function refuseNul(inner: Validate): Validate {
  const validate: Validate = (data, ctx) => {
    if (!inner(data, ctx)) {
      validate.errors = inner.errors ?? null;
      return false;
    }
    const at = nulPath(data, '', 0);
    validate.errors =
      at === null
        ? null
        : [
            {
              instancePath: at,
              keyword: 'nul',
              params: {},
              message: 'must not contain a NUL character',
            },
          ];
    return at === null;
  };
  validate.schemaEnv = inner.schemaEnv;
  return validate;
}

/** JSON Pointer of the first string (or property name) holding U+0000, or null. */
export function nulPath(value: unknown, path: string, depth: number): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (typeof value !== 'object' || value === null || depth > nulScanDepthMax) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = nulPath(value[i], `${path}/${i}`, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [key, v] of Object.entries(value)) {
    // The offending key itself is not echoed back: its parent is named instead.
    if (key.includes('\u0000')) return path;
    const found = nulPath(v, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
