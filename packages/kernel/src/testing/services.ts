/**
 * Gates for integration tests that need a real server.
 *
 * On a bare machine (no DATABASE_URL / REDIS_URL) such tests skip with a printed reason.
 * In CI `REQUIRE_SERVICES=1` is set, and a missing URL is a failure, never a silent skip.
 */
export interface ServiceGate {
  /** The connection URL, or undefined when the test must skip. */
  url: string | undefined;
  /** Why the tests skip; empty when they run. */
  reason: string;
}

function gate(envName: string, what: string): ServiceGate {
  const url = process.env[envName];
  if (url !== undefined && url !== '') return { url, reason: '' };
  if (process.env['REQUIRE_SERVICES'] === '1') {
    throw new Error(`REQUIRE_SERVICES=1 but ${envName} is not set: ${what} tests may not skip`);
  }
  const reason = `skipping ${what} tests: ${envName} is not set`;
  console.warn(reason);
  return { url: undefined, reason };
}

export const postgresGate = (): ServiceGate => gate('DATABASE_URL', 'PostgreSQL');
export const redisGate = (): ServiceGate => gate('REDIS_URL', 'Redis');
export const kafkaGate = (): ServiceGate => gate('KAFKA_BROKERS', 'Kafka');
