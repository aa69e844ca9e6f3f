import { maskedUrl } from '../config/config.ts';

/**
 * The database in DATABASE_URL could not be used at start-up. Its message names the URL (the
 * password masked), what went wrong and what to check, so the CLI prints it as it is, without
 * a stack trace.
 */
export class DatabaseUnreachableError extends Error {
  readonly code: string | undefined;
  constructor(url: string, cause: unknown) {
    const code = errorCode(cause);
    super(
      `cannot use the database at ${maskedUrl(url)}: ${reason(code, cause)}.\n` +
        `Check that PostgreSQL is running there and that DATABASE_URL is right ` +
        `(unset it to use the embedded database in DATA_DIR).`,
      { cause },
    );
    this.name = 'DatabaseUnreachableError';
    this.code = code;
  }
}

/** How deep a cause chain is followed for a socket error's code. */
const causeDepthMax = 3;

/**
 * A socket error's code (also inside the AggregateError of a host with several addresses, or as
 * the cause of the pool's DatabaseDownError, which wraps the driver's error).
 */
function errorCode(err: unknown, depth = 0): string | undefined {
  const e = err as
    { code?: unknown; errors?: Array<{ code?: unknown }>; cause?: unknown } | undefined;
  const code = e?.code ?? e?.errors?.[0]?.code;
  if (typeof code === 'string') return code;
  return depth < causeDepthMax && e?.cause ? errorCode(e.cause, depth + 1) : undefined;
}

/** Each failure in words, and the likeliest fix. */
const reasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens on that host and port)',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved (DNS)',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'no answer (a firewall, or the wrong host)',
  '28P01': 'the server refused the password',
  '28000': 'the server refused this user (pg_hba.conf, or the user does not exist)',
  '3D000': 'the database does not exist (create it first: createdb <name>)',
  '57P03': 'the server is starting up or shutting down',
};

function reason(code: string | undefined, err: unknown): string {
  const known = code ? reasons[code] : undefined;
  if (known) return `${known} [${code}]`;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const message = cause instanceof Error ? cause.message : String(cause);
  // node-postgres says this when connectionTimeoutMillis passes without a connection.
  if (/timeout/i.test(message)) return 'no answer in time (a firewall, or the wrong host)';
  return code ? `${message} [${code}]` : message;
}
