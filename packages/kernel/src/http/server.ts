import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Registry } from 'prom-client';
import { newId } from '../ids.ts';
import {
  clientErrorHandler,
  frameworkErrorHandler,
  registerErrorHandlers,
  routeParamLengthMax,
} from './error-handler.ts';
import { withKernelProblems } from './common.schemas.ts';
import { registerHealth, type ReadinessCheck } from './health.ts';
import { registerMetrics, type MetricsAccess } from './metrics.ts';

export type { MetricsAccess } from './metrics.ts';
import { buildValidator } from './validator-compiler.ts';
import { registerAdmission, type AdmissionLimits } from './admission.ts';
import type { Tracing } from '../tracing/tracing.ts';

export const bodyLimitBytes = 64 * 1024;
const requestTimeoutMs = 30_000;
const keepAliveTimeoutMs = 72_000; // longer than a typical load balancer idle timeout (60 s)
const docsPrefix = '/api/docs';
const requestIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

export interface ServerOptions {
  logger: FastifyBaseLogger;
  title: string;
  version: string;
  corsOrigins: readonly string[];
  publicUrl?: string | undefined;
  trustProxy?: boolean;
  /** Shared with other metric producers (event consumers); a new one when absent. */
  metricsRegistry?: Registry;
  /** Who may read /metrics; open to anyone when absent (tests, standalone). */
  metrics?: MetricsAccess;
  /**
   * The document to serve at /api/openapi.json and /api/docs instead of this server's own
   * routes' (the gateway's, merged from the services behind it). Asked on every docs request.
   */
  openApiDocument?: () => Promise<Record<string, unknown>>;
  /** Tracing on: a span per request (its plugin goes first, before any hook or route). */
  tracing?: Tracing | undefined;
  /** In-flight limits per admission class (decision 024); none when absent. */
  admission?: AdmissionLimits | undefined;
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** One registered route, as `app.routeTable` lists it (the authorization matrix reads it). */
export interface RouteRecord {
  method: string;
  url: string;
  /** `config.public`: no bearer token needed. */
  public: boolean;
  /** `schema.hide`: not in the OpenAPI document. */
  hidden: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    readinessChecks: ReadinessCheck[];
    metricsRegistry: Registry;
    /** Every route registered on this server, in order (filled by an onRoute hook). */
    routeTable: RouteRecord[];
  }
  interface FastifyContextConfig {
    /** Route needs no bearer token. */
    public?: boolean;
  }
}

/**
 * The HTTP server every service and the standalone gateway are built on: TypeBox-validated
 * routes, OpenAPI 3.1 at /api/openapi.json with a UI at /api/docs, problem+json errors,
 * request ids, security headers, CORS, metrics and health.
 */
export async function createServer(opts: ServerOptions): Promise<App> {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: bodyLimitBytes,
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: keepAliveTimeoutMs,
    trustProxy: opts.trustProxy ?? false,
    logController: new LogController({ requestIdLogLabel: 'request_id' }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : newId();
    },
    schemaController: { compilersFactory: { buildValidator } },
    routerOptions: { maxParamLength: routeParamLengthMax },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  if (opts.tracing) await app.register(opts.tracing.fastifyPlugin);
  // Before every other hook: a refused request must cost nothing.
  const registry = opts.metricsRegistry ?? new Registry();
  if (opts.admission) registerAdmission(app, opts.admission, registry);

  let closing = false;
  app.addHook('onClose', async () => {
    closing = true;
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.decorate('readinessChecks', [] as ReadinessCheck[]);
  app.decorate('metricsRegistry', registry);
  recordRoutes(app);
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
    // While draining, close each keep-alive connection after its response; otherwise an idle
    // client connection would hold the shutdown open until the keep-alive timeout.
    if (closing) reply.header('connection', 'close');
  });

  registerErrorHandlers(app);
  await app.register(helmet, { global: true, contentSecurityPolicy: false });
  await app.register(cors, {
    origin: opts.corsOrigins.length > 0 ? [...opts.corsOrigins] : false,
    credentials: false,
  });
  await registerOpenApi(app, opts);
  registerMetrics(app, app.metricsRegistry, opts.metrics);
  registerHealth(
    app,
    () => app.readinessChecks,
    () => closing,
  );
  return app as unknown as App;
}

/**
 * Keeps the route table, hooked before any plugin registers a route so none is missed. The
 * docs UI's routes are public here, first, so every later hook and the table agree.
 */
function recordRoutes(app: FastifyInstance): void {
  app.decorate('routeTable', [] as RouteRecord[]);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(docsPrefix)) route.config = { ...(route.config ?? {}), public: true };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods)
      app.routeTable.push({
        method,
        url: route.url,
        public: route.config?.public === true,
        hidden: route.schema?.hide === true,
      });
  });
}

async function registerOpenApi(app: FastifyInstance, opts: ServerOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: opts.title, version: opts.version },
      ...(opts.publicUrl ? { servers: [{ url: opts.publicUrl }] } : {}),
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
  });
  // Document which routes need a token, from the same `config.public` flag the auth hook reads,
  // and the problems the kernel itself answers (validation, auth, idempotency, internal).
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.url.startsWith(docsPrefix)) return;
    if (route.schema?.hide) return;
    const isPublic = route.config?.public === true;
    const schema = {
      ...(route.schema ?? {}),
      ...(isPublic ? {} : { security: [{ bearerAuth: [] }] }),
    };
    route.schema = withKernelProblems(schema, isPublic);
  });
  const external = opts.openApiDocument;
  // The UI reads its document synchronously (transformSpecification): fetch it just before.
  let latest: Record<string, unknown> | undefined;
  if (external)
    app.addHook('onRequest', async (req) => {
      if (req.url.startsWith(`${docsPrefix}/json`) || req.url.startsWith(`${docsPrefix}/yaml`))
        latest = await external();
    });
  await app.register(swaggerUi, {
    routePrefix: docsPrefix,
    staticCSP: true,
    ...(external
      ? {
          transformSpecification: () => latest ?? app.swagger(),
          transformSpecificationClone: false,
        }
      : {}),
  });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { public: true } }, async () =>
    external ? external() : app.swagger(),
  );
}
