import type { LoggerOptions } from 'pino';
import { safeError } from './safe-error.ts';

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
  };
}
