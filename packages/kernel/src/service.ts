import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { JWTVerifyGetKey } from 'jose';
import type { ConfigSpecs, ConfigValues } from './config/config.ts';
import type { PlatformConfig } from './config/platform-config.ts';
import type { Db } from './db/db.ts';
import type { SchemaMigrations } from './db/migrations.ts';
import type { App } from './http/server.ts';
import type { Idempotency } from './idempotency/idempotency-runner.ts';
import type { RateLimiter } from './rate-limit/index.ts';
import type { TokenRevocations } from './auth/token-revocations.ts';
import type { Subscription } from './events/consumer-runtime.ts';
import type { Publisher } from './events/outbox.ts';
import type { ServiceCaller } from './clients/service-caller.ts';
import type { Job } from './jobs/job-runner.ts';
import type { RedisStatus } from './degrade/redis-status.ts';

/**
 * What the runtime hands every service: its own database, shared plumbing, and `config`: the
 * kernel's values with the module's own (`ServiceModule.config`) merged in.
 */
export interface ServiceContext<C = NoConfig> {
  db: Db;
  config: PlatformConfig & C;
  log: FastifyBaseLogger;
  idempotency: Idempotency;
  rateLimiter: RateLimiter;
  /**
   * Access-token revocation markers (Redis or the kernel table): identity writes them on sign-out,
   * password reset and deletion; the auth hook reads them.
   */
  revocations: TokenRevocations;
  /** Where the service registers its Prometheus metrics (served at /metrics). */
  metrics: Registry;
  /**
   * Run a Redis call of the service's own (a cache) through `guard` with a fallback: it shares
   * the process's `redis_degraded` metric, the back-off and the once-per-transition log.
   */
  redisStatus: RedisStatus;
  /** Publishes integration events through the outbox, inside the caller's transaction. */
  events: Publisher;
  /**
   * Calls to other services by name: in-process (`inject`) when the service runs here,
   * HTTP to `<NAME>_URL` otherwise, with a service token. Wrap it in a typed client from
   * `@redemption/contracts`.
   */
  services: ServiceCaller;
}

/** A module that declares no variables of its own. */
export type NoConfig = Record<never, never>;

export interface SeedOptions {
  /** Add demo data (see `demoDataWanted`): never by default against a real DATABASE_URL. */
  demo: boolean;
}

/** A running service: its routes and what else the platform needs from it. */
export interface ServiceInstance {
  /** Registers the service's routes (a Fastify plugin body). */
  routes(app: App): Promise<void>;
  /** Signing keys' public half, when this service issues tokens (identity). */
  jwtKeys?: JWTVerifyGetKey;
  /**
   * First-start data; returns lines to print. Must be idempotent. With `demo` false only what a
   * real deployment needs (identity's first admin); demo members and rewards only with `demo`.
   */
  seed?(opts: SeedOptions): Promise<string[]>;
  /** Event consumers; each group gets every event of its topics once, idempotently. */
  subscriptions?: readonly Subscription[];
  /**
   * Background jobs: the kernel runs each every `everyMs` (± jitter, never two runs of one job
   * at once, metrics per job) once the platform is up, and stops them before `close`.
   */
  jobs?: readonly Job[];
  /** Releases what the service holds (caches, queues); its jobs are already stopped. */
  close?(): Promise<void>;
}

/**
 * A service module (Medusa-style): it owns its schema, migrations and routes, and declares what
 * it brings: its variables, the services it calls, its jobs and subscriptions (from `init`).
 * Hooks only one service has (identity's mail delivery) are that module's own options.
 */
export interface ServiceModule<S extends ConfigSpecs = NoConfig> {
  name: string;
  migrations: SchemaMigrations;
  /**
   * Its environment variables (name, default, meaning, parser). The kernel validates them when
   * the module runs in the process and lists them in `redemption config` and the README; the
   * module reads them from `ctx.config`. Its base URL, `<NAME>_URL`, is declared for it.
   */
  config?: S;
  /** Services this one calls; each must run in the same process or have its `<NAME>_URL` set. */
  needs?: readonly string[];
  init(ctx: ServiceContext<ConfigValues<S>>): Promise<ServiceInstance>;
}
