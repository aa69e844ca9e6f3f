import proxy from '@fastify/http-proxy';
import {
  createLogger,
  createServer,
  envOf,
  serviceUrls,
  serviceUrlVarName,
  startTracing,
  type App,
  type PlatformConfig,
  type Tracing,
} from '@redemption/kernel';
import { gatewayAdminRoutes } from './gateway-admin.ts';
import { mergedOpenApi } from './gateway-openapi.ts';
import {
  gatewayBodyLimitBytes,
  limitRequestBodies,
  upstreamError,
  upstreamTimeoutMs,
} from './gateway-limits.ts';
import { webConfigRoute } from './platform-routes.ts';
import { registerWebApp } from './web-app.ts';

/** Which service answers which public path prefix (DESIGN.md's gateway routing). */
export const gatewayRoutes: ReadonlyArray<{ service: string; prefixes: readonly string[] }> = [
  { service: 'identity', prefixes: ['/api/users', '/.well-known'] },
  { service: 'loyalty', prefixes: ['/api/loyalty'] },
  { service: 'catalog', prefixes: ['/api/products', '/api/categories', '/api/inventory'] },
  { service: 'orders', prefixes: ['/api/orders'] },
  { service: 'payments', prefixes: ['/api/payments'] },
  { service: 'notifications', prefixes: ['/api/notifications'] },
  { service: 'analytics', prefixes: ['/api/analytics'] },
];

const upstreamProbeTimeoutMs = 1_500;

/** Each routed service's base URL, from `<NAME>_URL` in the environment `config` came from. */
export const gatewayUpstreams = (config: PlatformConfig): Record<string, string | undefined> =>
  serviceUrls(
    gatewayRoutes.map((r) => r.service),
    envOf(config),
  );

/**
 * Distributed mode's front door: one origin for the web app and clients, routing `/api/*` to
 * the service that owns it. Services still verify tokens and validate input themselves; the
 * gateway adds CORS, security headers, request ids, metrics and a readiness view of upstreams.
 */
export interface GatewayOptions {
  /** How long an upstream may take to answer (tests shorten it). */
  upstreamTimeoutMs?: number;
  /** A test's tracing (in-memory exporter), stopped by the test; else OTEL_EXPORTER_OTLP_ENDPOINT's. */
  tracing?: Tracing;
}

export async function buildGateway(
  config: PlatformConfig,
  version: string,
  opts: GatewayOptions = {},
): Promise<App> {
  const timeoutMs = opts.upstreamTimeoutMs ?? upstreamTimeoutMs;
  const upstreams = gatewayUpstreams(config);
  const configured = gatewayRoutes.filter((r) => upstreams[r.service]);
  if (configured.length === 0)
    throw new Error(
      `the gateway needs at least one of ${gatewayRoutes.map((r) => serviceUrlVarName(r.service)).join(', ')}`,
    );
  // A span per request, and the proxied call a client span whose traceparent the service continues.
  const ownTracing = opts.tracing
    ? undefined
    : await startTracing({ serviceName: 'gateway', serviceVersion: version, env: envOf(config) });
  const app = await createServer({
    tracing: opts.tracing ?? ownTracing,
    logger: createLogger(config.logLevel, 'gateway'),
    title: 'Redemption gateway',
    version,
    corsOrigins: config.corsOrigins,
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy,
    // The front door faces the internet: /metrics only with METRICS_TOKEN, else not at all.
    metrics: { token: config.metricsToken, openWithoutToken: false },
    // One document for the whole API, from the services behind the gateway.
    openApiDocument: mergedOpenApi(
      () => app.swagger(),
      configured.map((r) => ({ ...r, url: upstreams[r.service]! })),
    ),
  });
  if (ownTracing) app.addHook('onClose', () => ownTracing.shutdown());
  limitRequestBodies(app, gatewayBodyLimitBytes);
  for (const route of configured) {
    const upstream = upstreams[route.service]!;
    for (const prefix of route.prefixes)
      await app.register(proxy, {
        upstream,
        prefix,
        rewritePrefix: prefix,
        replyOptions: {
          // The services see the client, not the gateway (their per-IP limits need it).
          rewriteRequestHeaders: (req, headers) => ({
            ...headers,
            'x-forwarded-for': req.ip,
            'x-request-id': req.id,
          }),
          timeout: timeoutMs,
          onError: upstreamError(route.service, timeoutMs),
        },
      });
    app.readinessChecks.push({
      name: route.service,
      // Reported, but one service down must not take the gateway (every route) out of the
      // load balancer: its own routes answer 502 meanwhile (decision 023).
      degradable: true,
      check: async () => {
        const res = await fetch(new URL('/health/ready', upstream), {
          signal: AbortSignal.timeout(upstreamProbeTimeoutMs),
        });
        if (!res.ok) throw new Error(`${route.service} answered ${res.status}`);
      },
    });
  }
  // The front door serves the web app too (one origin: no CORS, SameSite cookies work); its
  // routing summary moves to /status then.
  const webServed = await registerWebApp(app);
  webConfigRoute(app, config);
  gatewayAdminRoutes(
    app,
    [...new Set(configured.map((r) => upstreams[r.service]!))],
    config.serviceCallTimeoutMs,
  );
  app.get(webServed ? '/status' : '/', { schema: { hide: true } }, async () => ({
    name: 'Redemption gateway',
    version,
    routes: configured.map((r) => ({ service: r.service, prefixes: r.prefixes })),
  }));
  return app;
}
