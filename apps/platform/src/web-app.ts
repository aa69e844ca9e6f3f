import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import { notFound, type App } from '@redemption/kernel';

/** Where `npm run build:web` (apps/web, Vite) writes the single-page app. */
export const webDistDir = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Hashed file names change whenever their content does, so a year is safe. */
const hashedAssetMaxAgeS = 365 * 24 * 3600;

/**
 * Paths the SPA never owns: the API, probes, metrics and key sets keep their own 404s (a
 * problem+json, not an HTML page a script would choke on).
 */
const serverOwnedPrefixes = ['/api/', '/health/', '/metrics', '/.well-known/', '/status'];

/**
 * The page may run scripts from this origin only (and Stripe's, for Elements); with access
 * tokens in memory, an injected script is the main way to steal one, so the policy is strict.
 */
export const webContentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' https://js.stripe.com",
  "frame-src 'self' https://js.stripe.com https://hooks.stripe.com",
  "connect-src 'self' https://api.stripe.com",
  "img-src 'self' data: https:",
  "style-src 'self' 'unsafe-inline'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

export const webAppBuilt = (distDir = webDistDir): boolean => existsSync(`${distDir}index.html`);

const ownedByServer = (url: string): boolean =>
  serverOwnedPrefixes.some((p) => url === p.replace(/\/$/, '') || url.startsWith(p));

/**
 * Serves the built web app: hashed assets (`/assets/*`) cached for a year as immutable,
 * `index.html` never cached without revalidation (so a deploy is seen on the next load), and
 * every other GET that is not the server's own path answered with `index.html` so the
 * client-side router can take deep links (`/products/…`, `/account`) and reloads.
 * Returns false (and registers nothing) when the app has not been built.
 */
export async function registerWebApp(app: App, distDir = webDistDir): Promise<boolean> {
  if (!webAppBuilt(distDir)) return false;
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: distDir,
      wildcard: false, // one route per built file; the catch-all below owns the rest
      index: false,
      preCompressed: true, // the build writes .br and .gz beside each asset
      cacheControl: false,
      schemaHide: true,
      setHeaders: (res, path) => {
        if (path.includes('/assets/'))
          res.header('cache-control', `public, max-age=${hashedAssetMaxAgeS}, immutable`);
        else res.header('cache-control', 'no-cache');
      },
    });
    const sendIndex = (reply: FastifyReply) =>
      reply
        .header('cache-control', 'no-cache')
        .header('content-security-policy', webContentSecurityPolicy)
        .sendFile('index.html');
    scope.get('/', { schema: { hide: true }, config: { public: true } }, (_req, reply) =>
      sendIndex(reply),
    );
    scope.get('/*', { schema: { hide: true }, config: { public: true } }, (req, reply) => {
      const path = req.url.split('?')[0]!;
      // Unknown API paths and missing files stay 404s; only page routes get the app.
      if (ownedByServer(path) || path.startsWith('/assets/')) throw notFound('route');
      return sendIndex(reply);
    });
  });
  return true;
}
