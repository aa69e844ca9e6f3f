import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { createEventBus, type EventBus } from '../events/event-bus.ts';
import { eventsMigrations } from '../events/events.migrations.ts';
import { accessTokenAudience, createTokenVerifier, registerAuth } from '../auth/auth.ts';
import { ConfigError, type Env } from '../config/config.ts';
import {
  configGroups,
  loadModuleConfig,
  moduleConfigProblems,
  serviceUrls,
  serviceUrlVarName,
} from '../config/module-config.ts';
import {
  demoDataWanted,
  envOf,
  kernelVars,
  type PlatformConfig,
} from '../config/platform-config.ts';
import { createDb } from '../db/create-db.ts';
import type { Db } from '../db/db.ts';
import { migrate } from '../db/migrations.ts';
import { registerDbPoolMetrics } from '../db/pool-metrics.ts';
import { createServer, type App } from '../http/server.ts';
import { admissionLimits } from '../http/admission.ts';
import { idempotencyMigrations } from '../idempotency/idempotency.ts';
import { createIdempotency, type Idempotency } from '../idempotency/idempotency-runner.ts';
import { startJobs, type Job } from '../jobs/job-runner.ts';
import { createLogger } from '../log/logger.ts';
import { startTracing, type Tracing } from '../tracing/tracing.ts';
import { createRedisStatus } from '../degrade/redis-status.ts';
import { createRateLimiter, type RateLimiter } from '../rate-limit/index.ts';
import type { SeedOptions, ServiceContext, ServiceInstance, ServiceModule } from '../service.ts';
import { createServiceTokens, type ServiceTokens } from '../auth/service-tokens.ts';
import {
  createTokenRevocations,
  tokenRevocationMigrations,
  type TokenRevocations,
} from '../auth/token-revocations.ts';
import { localTransport } from '../clients/local-transport.ts';
import {
  remoteTransport,
  type ServiceCaller,
  type ServiceTransport,
} from '../clients/service-caller.ts';

/** Expired idempotency keys and revocation markers are deleted this often. */
const purgeEveryMs = 10 * 60_000;
const remoteJwksTimeoutMs = 5_000;
const readinessProbeLimit = { ratePerPeriod: 1_000_000, periodMs: 1_000, burst: 1_000_000 };
/** The service that issues access tokens; elsewhere they are verified with its JWKS. */
const tokenIssuerService = 'identity';

export interface BuildOptions {
  config: PlatformConfig;
  modules: readonly ServiceModule[];
  /** Name in logs and OpenAPI: `platform` in standalone mode, the service name otherwise. */
  name: string;
  version: string;
  /** Use this database instead of opening one from the config (tests). */
  db?: Db;
  /** Token verification keys to use instead of identity's or IDENTITY_URL's (tests). */
  jwtKeys?: JWTVerifyGetKey;
  /** `serve`: without METRICS_TOKEN, /metrics is not served (it is open in standalone mode). */
  distributed?: boolean;
  /** Routes outside any service (the status page, the web app, admin operations). */
  extraRoutes?: (app: App, parts: { db: Db }) => Promise<void>;
  /**
   * Tracing the caller started and stops (a test's in-memory exporter); otherwise started here
   * when OTEL_EXPORTER_OTLP_ENDPOINT is set, and stopped by `close`.
   */
  tracing?: Tracing;
}

export interface Platform {
  app: App;
  db: Db;
  idempotency: Idempotency;
  events: EventBus;
  /** Runs every module's first-start seed; returns what to print. Demo data per `demoDataWanted`. */
  seed(opts?: SeedOptions): Promise<string[]>;
  /** Stops accepting, drains, then closes jobs, cache and pools (in that order). */
  close(): Promise<void>;
}

/** All kernel-owned tables: idempotency keys, outbox/log, consumer offsets, inbox, DLQ, revocations. */
export const kernelMigrations = {
  schema: 'kernel',
  migrations: [
    ...idempotencyMigrations.migrations,
    ...eventsMigrations.migrations,
    ...tokenRevocationMigrations.migrations,
  ],
};

/**
 * Composes kernel plumbing and service modules into one Fastify app. The same function serves
 * standalone mode (all modules, one process) and distributed mode (one module per process).
 */
export async function buildPlatform(opts: BuildOptions): Promise<Platform> {
  const { config } = opts;
  const env = envOf(config);
  const moduleConfigs = loadModuleConfigs(opts.modules, env);
  const ownTracing = opts.tracing
    ? undefined
    : await startTracing({ serviceName: opts.name, serviceVersion: opts.version, env });
  const tracing = opts.tracing ?? ownTracing;
  const log = createLogger(config.logLevel, opts.name);
  const db = opts.db ?? (await openDb(config, opts.name));
  const applied = await migrate(db, [kernelMigrations, ...opts.modules.map((m) => m.migrations)]);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');

  const metricsRegistry = new Registry();
  registerDbPoolMetrics(metricsRegistry, db);
  const redisStatus = createRedisStatus({ registry: metricsRegistry, log });
  const rateLimiter: RateLimiter = await createRateLimiter({
    redisUrl: config.redisUrl,
    status: redisStatus,
  });
  const revocations = await createTokenRevocations({
    db,
    redisUrl: config.redisUrl,
    accessTokenTtlS: config.accessTokenTtlS,
    status: redisStatus,
    onError: (err) => log.debug({ err }, 'token revocations: will retry'),
  });
  const idempotency = createIdempotency({ db, ttlH: config.idempotencyTtlH });
  const bus = await createEventBus({
    db,
    config,
    source: `/redemption/${opts.name}`,
    log,
    registry: metricsRegistry,
  });
  const serviceTokens = createServiceTokens(config.internalTokenSecret);
  const built: { app?: App } = {};
  const services = serviceCaller(opts, env, serviceTokens, () => {
    if (!built.app) throw new Error('a service was called before the platform finished starting');
    return built.app;
  });
  const ctx: ServiceContext = {
    db,
    config,
    log,
    idempotency,
    rateLimiter,
    revocations: revocations.store,
    services,
    events: bus.publisher,
    metrics: metricsRegistry,
    redisStatus,
  };
  const instances: ServiceInstance[] = [];
  for (const [i, m] of opts.modules.entries()) {
    const own = { ...config, ...moduleConfigs[i] };
    instances.push(await m.init({ ...ctx, config: own, log: log.child({ module: m.name }) }));
  }

  const app = await assembleApp(opts, {
    log,
    db,
    rateLimiter,
    bus,
    instances,
    metricsRegistry,
    serviceTokens,
    revocations: revocations.store,
    env,
    tracing,
    redisDegraded: redisStatus.degraded,
  });
  built.app = app;
  for (const sub of instances.flatMap((i) => i.subscriptions ?? [])) bus.subscribe(sub);
  await bus.start();
  // Started last: a job may call other services, which needs the finished app.
  const jobs = startJobs(
    [...kernelJobs(idempotency, revocations.store), ...instances.flatMap((i) => i.jobs ?? [])],
    {
      log,
      registry: metricsRegistry,
    },
  );

  return {
    app,
    db,
    idempotency,
    events: bus,
    async seed(seedOpts = { demo: demoDataWanted(config) }) {
      const lines: string[] = [];
      for (const i of instances) lines.push(...((await i.seed?.(seedOpts)) ?? []));
      return lines;
    },
    async close() {
      await app.close(); // stop accepting, drain in-flight requests
      await jobs.stop(); // no new run; the runs in flight finish
      await bus.stop(); // consumers finish the event in hand and commit
      for (const i of instances) await i.close?.();
      await rateLimiter.close();
      await revocations.close();
      if (!opts.db) await db.close();
      await ownTracing?.shutdown(); // last: flushes the spans of the shutdown itself
    },
  };
}

/** The kernel's own housekeeping: expired idempotency keys and revocation markers. */
const kernelJobs = (idempotency: Idempotency, revocations: TokenRevocations): Job[] => [
  {
    name: 'kernel.idempotency-purge',
    everyMs: purgeEveryMs,
    run: () => idempotency.purgeExpired(),
  },
  {
    name: 'kernel.revocation-purge',
    everyMs: purgeEveryMs,
    run: () => revocations.purgeExpired(),
  },
];

const openDb = (config: PlatformConfig, name: string): Promise<Db> =>
  createDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
    applicationName: name,
  });

interface Parts {
  log: Logger;
  db: Db;
  rateLimiter: RateLimiter;
  bus: EventBus;
  instances: ServiceInstance[];
  metricsRegistry: Registry;
  serviceTokens: ServiceTokens;
  revocations: TokenRevocations;
  env: Env;
  tracing: Tracing | undefined;
  redisDegraded: () => boolean;
}

async function assembleApp(opts: BuildOptions, p: Parts): Promise<App> {
  const { config } = opts;
  const app = await createServer({
    logger: p.log,
    title: `Redemption ${opts.name}`,
    version: opts.version,
    corsOrigins: config.corsOrigins,
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy,
    metricsRegistry: p.metricsRegistry,
    metrics: { token: config.metricsToken, openWithoutToken: !opts.distributed },
    tracing: p.tracing,
    admission: admissionLimits(config.dbPoolMax, {
      read: config.inFlightReadsPerDbConnection,
      write: config.inFlightWritesPerDbConnection,
      saga: config.inFlightSagasPerDbConnection,
      batched: config.inFlightBatchedPerDbConnection,
    }),
  });
  app.readinessChecks.push({ name: 'database', check: () => p.db.ping() });
  // Redis and Kafka are reported, but without them the process still serves, degraded
  // (decision 023): only the database makes it not ready.
  if (config.redisUrl) {
    app.readinessChecks.push({
      name: 'redis',
      degradable: true,
      check: async () => {
        // The probe goes through the limiter's fallback, so it also notices Redis coming back.
        await p.rateLimiter.hit('health:probe', readinessProbeLimit);
        if (p.redisDegraded()) throw new Error('using per-process fallbacks');
      },
    });
  }
  if (p.bus.transport.name === 'kafka')
    app.readinessChecks.push({
      name: 'kafka',
      degradable: true,
      check: () => p.bus.transport.ping(),
    });
  const keys = opts.jwtKeys ?? jwtKeys(p.instances, p.env);
  registerAuth(
    app,
    createTokenVerifier({
      issuer: config.jwtIssuer,
      audience: accessTokenAudience,
      keys,
      internal: p.serviceTokens.verify,
    }),
    { revocations: p.revocations },
  );
  for (const instance of p.instances) await instance.routes(app);
  await opts.extraRoutes?.(app, { db: p.db });
  await app.ready();
  return app;
}

/**
 * Every module's own values, validated together before anything opens (one ConfigError naming
 * every bad variable of every module, and the `<NAME>_URL` of each service called from here).
 */
function loadModuleConfigs(modules: readonly ServiceModule[], env: Env): object[] {
  configGroups(kernelVars, modules); // throws when a module's variable or key clashes
  const problems = moduleConfigProblems(modules, env);
  if (problems.length > 0) throw new ConfigError(problems);
  return modules.map((m) => loadModuleConfig(m, env));
}

/**
 * Keys to verify tokens: the issuer's own when it runs here (the module that has `jwtKeys`),
 * else the JWKS of the token issuer, the identity service, at `IDENTITY_URL`.
 */
function jwtKeys(instances: readonly ServiceInstance[], env: Env): JWTVerifyGetKey {
  const local = instances.find((i) => i.jwtKeys)?.jwtKeys;
  if (local) return local;
  const issuerUrl = serviceUrls([tokenIssuerService], env)[tokenIssuerService];
  if (!issuerUrl)
    throw new Error(
      `${serviceUrlVarName(tokenIssuerService)} is required when the ${tokenIssuerService} service is not in this process`,
    );
  return createRemoteJWKSet(new URL('/.well-known/jwks.json', issuerUrl), {
    timeoutDuration: remoteJwksTimeoutMs,
  });
}

/**
 * Resolves `needs` at start-up so a missing `<NAME>_URL` fails fast, not at the first call:
 * in-process when the service runs here, else HTTP to the URL its name gives.
 */
function serviceCaller(
  opts: BuildOptions,
  env: Env,
  tokens: ServiceTokens,
  app: () => App,
): ServiceCaller {
  const local = new Set(opts.modules.map((m) => m.name));
  const remote = [...new Set(opts.modules.flatMap((m) => m.needs ?? []))].filter(
    (n) => !local.has(n),
  );
  const urls = serviceUrls(remote, env);
  const transports = new Map<string, ServiceTransport>();
  const resolve = (service: string, caller: string): ServiceTransport => {
    if (local.has(service)) return localTransport(app, () => tokens.token(caller));
    const baseUrl = urls[service];
    if (!baseUrl)
      throw new Error(
        `${serviceUrlVarName(service)} is required: ${caller} calls ${service}, which is not in this process`,
      );
    return remoteTransport({
      service,
      baseUrl,
      token: () => tokens.token(caller),
      timeoutMs: opts.config.serviceCallTimeoutMs,
      attemptsMax: opts.config.serviceCallAttemptsMax,
    });
  };
  for (const m of opts.modules)
    for (const service of m.needs ?? []) transports.set(service, resolve(service, m.name));
  return {
    to(service) {
      const t = transports.get(service);
      if (!t) throw new Error(`call to ${service}: add it to the calling module's \`needs\``);
      return t;
    },
  };
}
