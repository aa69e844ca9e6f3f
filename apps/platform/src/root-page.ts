import type { App, ServiceModule } from '@redemption/kernel';

const escapeHtml = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * `/status` says what is running and where to go. The web app owns `/`; where it is not
 * served (one service alone, or the app not built) `/` shows this page too.
 */
export function rootPage(modules: readonly ServiceModule[], mode: string, atRootToo: boolean) {
  return async (app: App): Promise<void> => {
    const items = modules.map((m) => `<li><code>${escapeHtml(m.name)}</code></li>`).join('');
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Redemption status</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style></head>
<body><h1>Redemption</h1><p>Hotel-loyalty commerce platform, running in <strong>${escapeHtml(mode)}</strong> mode.</p>
<h2>Services</h2><ul>${items}</ul>
<h2>Next</h2><ul>
<li><a href="/">Web app</a></li>
<li><a href="/api/docs">API documentation</a> (<a href="/api/openapi.json">OpenAPI 3.1</a>)</li>
<li><a href="/health/ready">Readiness</a> · <a href="/metrics">Metrics</a> · <a href="/.well-known/jwks.json">JWKS</a></li>
</ul></body></html>`;
    const route = { schema: { hide: true }, config: { public: true } };
    for (const path of atRootToo ? ['/status', '/'] : ['/status'])
      app.get(path, route, async (_req, reply) =>
        reply.type('text/html; charset=utf-8').send(html),
      );
  };
}
