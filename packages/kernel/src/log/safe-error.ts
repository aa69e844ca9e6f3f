/**
 * What of an error may be logged. pino's standard serializer copies every enumerable property,
 * and database errors carry the statement's values: PostgreSQL's `detail` ("Failing row
 * contains (...)", "Key (email)=(...) already exists"), `where`, `internalQuery`, and PGlite's
 * `params`. Only the properties below are kept; a database error's message keeps the names of
 * the objects involved but loses any quoted value.
 */
const keptProperties = [
  'code',
  'statement',
  'constraint',
  'table',
  'column',
  'schema',
  'dataType',
  'severity',
  'routine',
  'status',
  'statusCode',
  'slug',
  'errno',
  'syscall',
] as const;
/** How far `cause` chains and AggregateError lists are followed. */
const causeDepthMax = 3;
const aggregateErrorsMax = 5;
const sqlStatePattern = /^[0-9A-Z]{5}$/;

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  cause?: SafeError | string;
  errors?: Array<SafeError | string>;
  [kept: string]: unknown;
}

/** A PostgreSQL error (server or PGlite): a SQLSTATE code and a severity. */
export function isDatabaseError(err: object): boolean {
  const e = err as { code?: unknown; severity?: unknown };
  return (
    typeof e.code === 'string' && sqlStatePattern.test(e.code) && typeof e.severity === 'string'
  );
}

/** `invalid input syntax for type uuid: "abc"` → `... uuid: "…"`; named objects stay. */
function withoutValues(message: string, names: ReadonlySet<unknown>): string {
  return message.replace(/"((?:[^"]|"")*)"/g, (quoted, inner: string) =>
    names.has(inner) ? quoted : '"…"',
  );
}

/** Already reduced: the error handler reduces, then the logger's serializer sees the result. */
const reduced = new WeakSet<object>();

export function safeError(err: unknown, depth = 0): SafeError | string {
  if (!(err instanceof Error) && (typeof err !== 'object' || err === null)) return String(err);
  if (reduced.has(err)) return err as SafeError;
  const e = err as Error & Record<string, unknown>;
  const type = e.constructor?.name ?? 'Error';
  const db = isDatabaseError(e);
  const names = new Set([e['constraint'], e['table'], e['column'], e['schema'], e['dataType']]);
  const raw = typeof e.message === 'string' ? e.message : '';
  const message = db ? withoutValues(raw, names) : raw;
  const out: SafeError = { type, message };
  if (typeof e.stack === 'string') {
    // The stack's first lines repeat the raw message; keep only the frames.
    const frames = e.stack.split('\n').filter((l) => /^\s+at /.test(l));
    out.stack = [`${type}: ${message}`, ...frames].join('\n');
  }
  for (const key of keptProperties) if (e[key] !== undefined) out[key] = e[key];
  if (depth < causeDepthMax && e.cause !== undefined) out.cause = safeError(e.cause, depth + 1);
  if (depth < causeDepthMax && Array.isArray(e['errors']) && err instanceof AggregateError)
    out.errors = e['errors'].slice(0, aggregateErrorsMax).map((x) => safeError(x, depth + 1));
  reduced.add(out);
  return out;
}
