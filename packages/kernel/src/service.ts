import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { JWTVerifyGetKey } from 'jose';
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

/** What the runtime hands every service: its own database, shared plumbing, config. */
export interface ServiceContext {
  db: Db;
  config: PlatformConfig;
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
  /** Publishes integration events through the outbox, inside the caller's transaction. */
  events: Publisher;
  /**
   * Calls to other services by name: in-process (`inject`) when the service runs here,
   * HTTP to `<NAME>_URL` otherwise, with a service token. Wrap it in a typed client from
   * `@redemption/contracts`.
   */
  services: ServiceCaller;
  /** Test and wiring hooks a service may use; absent in production unless wired. */
  hooks?: {
    deliverResetToken?: (user: { id: string; email: string }, token: string) => Promise<void>;
    /** Identity: sends the token that confirms a member's new e-mail to that new address. */
    deliverEmailChangeToken?: (
      user: { id: string; email: string },
      newEmail: string,
      token: string,
    ) => Promise<void>;
  };
}

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

/** A service module (Medusa-style): it owns its schema, migrations and routes. */
export interface ServiceModule {
  name: string;
  migrations: SchemaMigrations;
  /** Services this one calls; each must run in the same process or have its `<NAME>_URL` set. */
  needs?: readonly string[];
  init(ctx: ServiceContext): Promise<ServiceInstance>;
}
