import { kafkaSecurityVars } from '../events/kafka-security.ts';
import type { ServiceModule } from '../service.ts';
import {
  bool,
  ConfigError,
  int,
  list,
  loadConfig,
  oneOf,
  str,
  url,
  type ConfigGroup,
  type ConfigValues,
  type Env,
  type VarSpec,
} from './config.ts';
import { configGroups, moduleConfigProblems } from './module-config.ts';

const metricsTokenLengthMin = 32;

/** A secret a client sends as `Authorization: Bearer <token>`: long enough, header-safe. */
const bearerToken =
  (min: number, max: number) =>
  (raw: string): string => {
    if (raw.length < min || raw.length > max)
      throw new Error(`must be ${min} to ${max} characters`);
    if (!/^[\x21-\x7e]+$/.test(raw)) throw new Error('must be printable ASCII without spaces');
    return raw;
  };

/**
 * The kernel's variables: what every process reads whatever services it runs (port, database,
 * logs, events, service calls, shutdown). Each service module declares its own beside it
 * (`ServiceModule.config`, e.g. services/loyalty/src/loyalty.config.ts); the README's table is
 * rendered from both (`platformConfigGroups`).
 */
export const kernelVars = {
  port: { name: 'PORT', default: '8080', description: 'HTTP port', parse: int(0, 65535) },
  host: {
    name: 'HOST',
    default: '0.0.0.0',
    description: 'interface to listen on',
    parse: str(255),
  },
  dataDir: {
    name: 'DATA_DIR',
    default: './data',
    description:
      'embedded PostgreSQL (PGlite) data directory, used when DATABASE_URL is unset; `memory://` keeps nothing',
    parse: str(1024),
  },
  databaseUrl: {
    name: 'DATABASE_URL',
    description:
      'PostgreSQL URL; when set, used instead of the embedded database (required by `serve`)',
    secret: true,
    parse: url('postgres', 'postgresql'),
  },
  dbPoolMax: {
    name: 'DB_POOL_MAX',
    default: '10',
    description: 'PostgreSQL pool size per process',
    parse: int(1, 200),
  },
  inFlightReadsPerDbConnection: {
    name: 'IN_FLIGHT_READS_PER_DB_CONNECTION',
    default: '8',
    description:
      'GET/HEAD `/api/` requests in progress per pool connection (× DB_POOL_MAX per process); beyond it 429 + Retry-After at once (0: no limit; decision 024)',
    parse: int(0, 10_000),
  },
  inFlightWritesPerDbConnection: {
    name: 'IN_FLIGHT_WRITES_PER_DB_CONNECTION',
    default: '4',
    description:
      'other `/api/` requests in progress per pool connection (× DB_POOL_MAX); beyond it 429 at once (0: no limit)',
    parse: int(0, 10_000),
  },
  inFlightSagasPerDbConnection: {
    name: 'IN_FLIGHT_SAGAS_PER_DB_CONNECTION',
    default: '2',
    description:
      'checkouts (a saga of service calls) in progress per pool connection (× DB_POOL_MAX); beyond it 429 at once (0: no limit)',
    parse: int(0, 10_000),
  },
  inFlightBatchedPerDbConnection: {
    name: 'IN_FLIGHT_BATCHED_PER_DB_CONNECTION',
    default: '50',
    description:
      'ledger writes (they share a batch) in progress per pool connection (× DB_POOL_MAX); beyond it 429 at once (0: no limit)',
    parse: int(0, 10_000),
  },
  redisUrl: {
    name: 'REDIS_URL',
    description:
      'Redis URL; when set, rate limits, throttles and access-token revocations are shared across processes',
    secret: true,
    parse: url('redis', 'rediss'),
  },
  logLevel: {
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'pino log level',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
  trustProxy: {
    name: 'TRUST_PROXY',
    default: 'false',
    description:
      'trust X-Forwarded-For from a load balancer (true behind an ALB/ingress) so per-IP limits see client IPs',
    parse: bool,
  },
  corsOrigins: {
    name: 'CORS_ORIGINS',
    default: '',
    description: 'comma-separated origins allowed by CORS (empty: same-origin only)',
    parse: list,
  },
  publicUrl: {
    name: 'PUBLIC_URL',
    description:
      'external base URL printed at start-up and used in OpenAPI (default http://localhost:PORT)',
    parse: url('http', 'https'),
  },
  jwtIssuer: {
    name: 'JWT_ISSUER',
    default: 'redemption',
    description: 'JWT `iss` claim',
    parse: str(255),
  },
  accessTokenTtlS: {
    name: 'ACCESS_TOKEN_TTL_S',
    default: '900',
    description: 'access token lifetime (seconds)',
    parse: int(60, 86400),
  },
  idempotencyTtlH: {
    name: 'IDEMPOTENCY_TTL_H',
    default: '24',
    description: 'hours an Idempotency-Key and its stored response are kept',
    parse: int(24, 720),
  },
  demoData: {
    name: 'DEMO_DATA',
    description:
      'demo members (published password) and rewards on first start: unset = only on the embedded database (no DATABASE_URL); `1` = also against DATABASE_URL; `0` = never',
    parse: bool,
  },
  eventTransport: {
    name: 'EVENT_TRANSPORT',
    default: 'pg',
    description:
      'event delivery: `pg` (the outbox table is the log; no broker) or `kafka` (relay to KAFKA_BROKERS)',
    parse: oneOf('pg', 'kafka'),
  },
  kafkaBrokers: {
    name: 'KAFKA_BROKERS',
    description:
      'comma-separated Kafka bootstrap servers (host:port), required when EVENT_TRANSPORT=kafka',
    parse: list,
  },
  eventPartitions: {
    name: 'EVENT_PARTITIONS',
    default: '3',
    description: 'partitions per topic (Kafka topics created by the platform, and the pg log)',
    parse: int(1, 256),
  },
  kafkaReplicationFactor: {
    name: 'KAFKA_REPLICATION_FACTOR',
    default: '1',
    description: 'replication factor of topics the platform creates (production: 2 or 3)',
    parse: int(1, 5),
  },
  eventAttemptsMax: {
    name: 'EVENT_ATTEMPTS_MAX',
    default: '5',
    description:
      'handler attempts per event (exponential backoff between) before it goes to the dead-letter queue',
    parse: int(1, 100),
  },
  internalTokenSecret: {
    name: 'INTERNAL_TOKEN_SECRET',
    description:
      'shared secret (>= 32 chars) for service-to-service tokens (HS256); every process of a distributed deployment needs the same one; a random one per process when unset',
    secret: true,
    parse: str(512),
  },
  metricsToken: {
    name: 'METRICS_TOKEN',
    description:
      'bearer token /metrics requires (>= 32 chars); when unset, /metrics is open in standalone mode and not served in distributed mode (serve)',
    secret: true,
    parse: bearerToken(metricsTokenLengthMin, 512),
  },
  serviceCallTimeoutMs: {
    name: 'SERVICE_CALL_TIMEOUT_MS',
    default: '5000',
    description: 'timeout of one service-to-service HTTP call (the seed: 5 s)',
    parse: int(100, 60_000),
  },
  serviceCallAttemptsMax: {
    name: 'SERVICE_CALL_ATTEMPTS_MAX',
    default: '3',
    description:
      'attempts per service call on network errors, 5xx and 429 (same Idempotency-Key each time)',
    parse: int(1, 10),
  },
  shutdownTimeoutMs: {
    name: 'SHUTDOWN_TIMEOUT_MS',
    default: '25000',
    description: 'after SIGTERM, exit even if requests are still running after this long',
    parse: int(1000, 120000),
  },
} satisfies Record<string, VarSpec<unknown>>;

/**
 * The environment a config was read from, kept with it (not enumerable: never spread, logged or
 * serialized) so that `buildPlatform` reads the modules' own variables from the same place.
 */
export const configEnv: unique symbol = Symbol('redemption.configEnv');

/** The kernel's values, and the environment they came from. */
export type PlatformConfig = ConfigValues<typeof kernelVars> & { readonly [configEnv]?: Env };

/** The environment `config` was read from (process.env for a config built by hand). */
export const envOf = (config: PlatformConfig): Env => config[configEnv] ?? process.env;

/**
 * Whether first-start seeding may add demo data (members whose password is printed in the
 * README). Never by default against a real DATABASE_URL: that may be a shared or production
 * database, where a known password is an open door. DEMO_DATA=1 opts in explicitly.
 */
export const demoDataWanted = (config: Pick<PlatformConfig, 'demoData' | 'databaseUrl'>): boolean =>
  config.demoData ?? config.databaseUrl === undefined;

/**
 * Reads and validates the kernel's variables and those of `modules` (the ones this process
 * runs: their own variables and the `<NAME>_URL` of each service they call that is not here),
 * reporting every bad one at once. Returns the kernel's values; each module gets its own in
 * its context (`ServiceContext.config`).
 */
export function loadPlatformConfig(
  env: Env = process.env,
  modules: readonly ServiceModule[] = [],
): PlatformConfig {
  let kernel: ConfigValues<typeof kernelVars> | undefined;
  const problems: string[] = [];
  try {
    kernel = loadConfig(kernelVars, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  problems.push(...moduleConfigProblems(modules, env));
  if (!kernel || problems.length > 0) throw new ConfigError(problems);
  return Object.defineProperty({ ...kernel }, configEnv, { value: env, enumerable: false });
}

/**
 * Every variable of the kernel and of `modules`, by who reads it (README, `redemption config`).
 * The Kafka security variables are the kernel's too, read when the first Kafka client starts.
 */
export const platformConfigGroups = (modules: readonly ServiceModule[]): ConfigGroup[] =>
  configGroups({ ...kernelVars, ...kafkaSecurityVars }, modules);
