import type { LoggerOptions } from 'pino';

/** Paths never written to logs, whatever a handler passes to the logger. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'headers.authorization',
  '*.password',
  '*.password_hash',
  '*.new_password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.databaseUrl',
  '*.redisUrl',
  '*.jwtPrivateJwk',
  '*.adminPassword',
];

export function loggerOptions(level: string, service: string): LoggerOptions {
  return {
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: redactedPaths, censor: '[redacted]' },
  };
}
