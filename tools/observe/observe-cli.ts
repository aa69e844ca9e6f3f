/**
 * npm run observe [-- --url http://127.0.0.1:8080] [--port 9464] [--window-scale 60]
 *
 * Starts Debian's Prometheus next to a platform: the one at --url (already running), or one it
 * starts itself (`redemption start`, PORT or 8080). Prometheus scrapes it with METRICS_TOKEN
 * (when set) and evaluates deploy/observability's rules; open its /alerts page to see them.
 * --window-scale N (or OBSERVE_WINDOW_SCALE) divides the SLO windows by N: at 60 the fast
 * burn alert looks at 1 minute and 5 seconds instead of 1 hour and 5 minutes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startObserve } from './observe.ts';

const defaultPrometheusPort = 9464;
const platformReadyTimeoutMs = 180_000;
const pollMs = 500;
const cli = fileURLToPath(new URL('../../apps/platform/bin/redemption.mjs', import.meta.url));

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    port: { type: 'string', default: String(defaultPrometheusPort) },
    'window-scale': { type: 'string', default: process.env['OBSERVE_WINDOW_SCALE'] ?? '1' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    'usage: npm run observe -- [--url <platform URL>] [--port <prometheus port>] [--window-scale <n>]',
  );
  process.exit(0);
}
const port = Number(values.port);
const windowScale = Number(values['window-scale']);
if (!Number.isInteger(port) || port < 1 || port > 65535 || !(windowScale >= 1)) {
  console.error('observe: --port must be a port number and --window-scale a number >= 1');
  process.exit(2);
}

let platform: ChildProcess | undefined;
let url = values.url;
if (!url) {
  url = `http://127.0.0.1:${process.env['PORT'] ?? '8080'}`;
  platform = spawn(process.execPath, [cli, 'start'], { stdio: 'inherit', env: process.env });
  await waitFor(`${url}/health/ready`);
}

const observing = await startObserve({
  url,
  metricsToken: process.env['METRICS_TOKEN'],
  port,
  windowScale,
  stdio: 'ignore',
});
console.log(`observe: Prometheus ${observing.prometheusUrl} scraping ${url}/metrics`);
console.log(
  `  alerts: ${observing.prometheusUrl}/alerts   rules: ${observing.prometheusUrl}/rules`,
);
console.log(`  SLO windows divided by ${windowScale}; Ctrl-C stops${platform ? ' both' : ''}`);

const shutdown = async () => {
  await observing.stop();
  platform?.kill('SIGTERM');
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());

async function waitFor(ready: string): Promise<void> {
  const deadline = Date.now() + platformReadyTimeoutMs;
  while (Date.now() < deadline) {
    if (
      await fetch(ready).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  platform?.kill('SIGTERM');
  throw new Error(`the platform was not ready at ${ready}`);
}
