import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import { safeError } from './safe-error.ts';
import { traceLogFields } from '../tracing/tracing.ts';

/**
 * Paths never written to logs, whatever a handler passes to the logger: credentials, card and
 * payment tokens, idempotency keys (a replayable handle on a member's request) and personal
 * data (names, addresses, e-mail, phone). Errors are reduced by `safeError` first, which keeps
 * a database error's code, constraint and statement identity but never its values.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'req.headers["stripe-signature"]',
  'headers.authorization',
  'headers["idempotency-key"]',
  '*.password',
  '*.password_hash',
  '*.passwordHash',
  '*.new_password',
  '*.hash',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.secret',
  '*.client_secret',
  '*.card',
  '*.card_token',
  '*.payment_token',
  '*.paymentToken',
  '*.idempotency_key',
  '*.idempotencyKey',
  '*.full_name',
  '*.fullName',
  '*.shipping_name',
  '*.shipping_address',
  '*.billing_address',
  '*.address',
  '*.email',
  '*.phone',
  '*.params',
  '*.databaseUrl',
  '*.redisUrl',
  '*.jwtPrivateJwk',
  '*.adminPassword',
  '*.internalTokenSecret',
  '*.stripeSecretKey',
  '*.stripeWebhookSecret',
];

export function loggerOptions(level: string, service: string): LoggerOptions {
  return {
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: safeError, error: safeError },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    mixin: traceLogFields, // trace_id and span_id while a span is active (tracing on)
  };
}

/** How log lines are written: coloured text for a person, one JSON object per line otherwise. */
export type LogFormat = 'pretty' | 'json';

/**
 * Pretty when stdout is a terminal (someone ran `npm start` and reads it); JSON when it is a
 * pipe or a file (a collector, `jq`, the tests and tools that wait for the ready line).
 */
export const logFormatFor = (stdout: { isTTY?: boolean | undefined }): LogFormat =>
  stdout.isTTY === true ? 'pretty' : 'json';

export interface CreateLoggerOptions {
  format?: LogFormat;
  /** Where lines go (tests); stdout otherwise. */
  destination?: DestinationStream;
}

/** The process's logger: `loggerOptions` (redaction, safe errors) in the format stdout wants. */
export function createLogger(
  level: string,
  service: string,
  opts: CreateLoggerOptions = {},
): Logger {
  const format = opts.format ?? logFormatFor(process.stdout);
  if (format === 'json') return pino(loggerOptions(level, service), opts.destination);
  const prettyStream = pretty({
    colorize: opts.destination === undefined, // colours for a terminal, none in a test buffer
    sync: true, // a line is on the terminal before the next statement, as with JSON
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    ignore: 'service,module',
    messageFormat: '{if module}{module}: {end}{msg}',
    ...(opts.destination ? { destination: opts.destination } : {}),
  });
  return pino(loggerOptions(level, service), prettyStream);
}
