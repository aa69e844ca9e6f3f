import {
  announceReady,
  buildPlatform,
  demoDataWanted,
  installShutdown,
  listenUrls,
  loadPlatformConfig,
  type App,
  type PlatformConfig,
  type ServiceModule,
} from '@redemption/kernel';
import { buildGateway, gatewayRoutes, gatewayUpstreams } from '../gateway.ts';
import { allModules, moduleNames, moduleNamed } from '../modules.ts';
import { platformRoutes } from '../platform-routes.ts';
import { CommandFailed, parseCommandArgs, UsageError } from './cli-args.ts';

export const serveUsage = `usage: redemption start
       redemption serve <service>|gateway
  start             every service in one process (standalone); the embedded database in DATA_DIR
                    unless DATABASE_URL is set
  serve <service>   one service alone against DATABASE_URL (distributed mode); services: ${moduleNames().join(', ')}
  serve gateway     the front door of distributed mode: /api/* to each <SERVICE>_URL`;

type Mode = 'standalone' | 'distributed';

/**
 * `redemption start`: every module, one process. Mail goes to the dev mailbox (admins read it
 * at /api/notifications/mailbox) unless SMTP_URL is set.
 */
export async function startCommand(args: readonly string[], version: string): Promise<void> {
  parseCommandArgs(args, {}, serveUsage);
  const base = { url: '' };
  const config = loadPlatformConfig(process.env, allModules);
  return run({ config, modules: allModules, name: 'platform', mode: 'standalone', version, base });
}

/** `redemption serve <service>` and `redemption serve gateway`. */
export async function serveCommand(args: readonly string[], version: string): Promise<void> {
  const { positionals } = parseCommandArgs(args, {}, serveUsage, 1);
  const [name] = positionals;
  if (!name)
    throw new UsageError(
      `serve needs a service: ${moduleNames().join(', ')}, or gateway`,
      serveUsage,
    );
  if (name === 'gateway') return runGateway(loadPlatformConfig(), version);
  const module = moduleNamed(name); // a UsageError naming the services when unknown
  const config = loadPlatformConfig(process.env, [module]);
  if (!config.databaseUrl)
    throw new CommandFailed(
      'serve needs DATABASE_URL (distributed mode runs on a real PostgreSQL; `redemption start` runs every service on the embedded one)',
    );
  return run({ config, modules: [module], name, mode: 'distributed', version, base: { url: '' } });
}

interface RunOptions {
  config: PlatformConfig;
  modules: readonly ServiceModule[];
  name: string;
  mode: Mode;
  version: string;
  /** Filled in once listening (the banner and the ready line). */
  base: { url: string };
}

async function run(o: RunOptions): Promise<void> {
  const { config, modules, mode } = o;
  const startedMs = performance.now();
  o.base.url = config.publicUrl ?? `http://localhost:${config.port}`;
  const platform = await buildPlatform({
    config,
    modules,
    name: o.name,
    version: o.version,
    extraRoutes: platformRoutes(modules, mode, config),
    distributed: mode === 'distributed',
  });
  // Standalone creates its first admin itself; demo members and rewards per demoDataWanted.
  const seeded = mode === 'standalone' ? await platform.seed() : [];
  await listen(platform.app, config);
  const readyMs = Math.round(performance.now() - startedMs);
  installShutdown({
    log: platform.app.log,
    timeoutMs: config.shutdownTimeoutMs,
    steps: [{ name: 'platform', run: () => platform.close() }],
  });
  o.base.url = config.publicUrl ?? `http://localhost:${listeningPort(platform.app)}`;
  const names = modules.map((m) => m.name);
  const lines = [
    `Redemption ${o.version} (${mode}: ${names.join(', ')}) ready in ${readyMs} ms`,
    ...urlLines(config, o.base.url, mode === 'distributed'),
    ...(seeded.length > 0
      ? [
          '  created on first start:',
          ...[...seeded, ...demoSkippedNote(config)].map((l) => `    ${l}`),
        ]
      : []),
  ];
  // The banner first: whoever waits for the ready line finds the banner already written.
  process.stderr.write(`${lines.join('\n')}\n`);
  announceReady(platform.app.log, {
    url: o.base.url,
    listen: listenUrls(platform.app.addresses()),
    mode,
    services: names,
    version: o.version,
    ready_ms: readyMs,
  });
}

/** Listens on HOST:PORT; a port in use is said in a sentence, not a stack trace. */
async function listen(app: App, config: PlatformConfig): Promise<void> {
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    await app.close();
    throw new CommandFailed(
      `port ${config.port} on ${config.host} is already in use (another redemption?): stop it, or set PORT`,
    );
  }
}

const listeningPort = (app: App): number => (app.server.address() as { port: number }).port;

const urlLines = (config: PlatformConfig, base: string, distributed: boolean): string[] => [
  `  home      ${base}/`,
  `  API docs  ${base}/api/docs`,
  `  health    ${base}/health/ready   metrics ${metricsLine(config, distributed, base)}`,
];

/** Says why there are no demo members, so nobody wonders where alice went. */
export const demoSkippedNote = (config: PlatformConfig): string[] =>
  config.databaseUrl && !demoDataWanted(config)
    ? ['demo data skipped: DATABASE_URL is set (DEMO_DATA=1 to add demo members and rewards)']
    : [];

/** Where /metrics is and who may read it (METRICS_TOKEN; docs/decisions/009-metrics-access.md). */
function metricsLine(config: PlatformConfig, distributed: boolean, base: string): string {
  if (config.metricsToken) return `${base}/metrics (bearer METRICS_TOKEN)`;
  return distributed ? 'off (set METRICS_TOKEN to serve /metrics)' : `${base}/metrics`;
}

async function runGateway(config: PlatformConfig, version: string): Promise<void> {
  const startedMs = performance.now();
  const app = await buildGateway(config, version);
  await listen(app, config);
  const readyMs = Math.round(performance.now() - startedMs);
  installShutdown({
    log: app.log,
    timeoutMs: config.shutdownTimeoutMs,
    steps: [{ name: 'gateway', run: () => app.close() }],
  });
  const base = config.publicUrl ?? `http://localhost:${listeningPort(app)}`;
  const upstreams = gatewayUpstreams(config);
  const routed = gatewayRoutes.filter((r) => upstreams[r.service]);
  const lines = [
    `Redemption ${version} gateway ready in ${readyMs} ms`,
    `  home      ${base}/`,
    `  health    ${base}/health/ready   metrics ${metricsLine(config, true, base)}`,
    '  routes:',
    ...routed.map((r) => `    ${r.prefixes.join(' ')} -> ${upstreams[r.service]}`),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  announceReady(app.log, {
    url: base,
    listen: listenUrls(app.addresses()),
    mode: 'gateway',
    services: routed.map((r) => r.service),
    version,
    ready_ms: readyMs,
  });
}
