#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import {
  announceReady,
  buildPlatform,
  ConfigError,
  configTable,
  createDb,
  demoDataWanted,
  kernelMigrations,
  listDeadLetters,
  listenUrls,
  replayDeadLetter,
  installShutdown,
  loadPlatformConfig,
  migrate,
  platformVars,
  type PlatformConfig,
  type ServiceModule,
} from '@redemption/kernel';
import { allModules, moduleNamed } from './modules.ts';
import { ledgerCommand, ledgerUsage } from './ledger-cli.ts';
import { devMailbox } from './dev-mailbox.ts';
import { openApiDocument } from './openapi-document.ts';
import { platformRoutes } from './platform-routes.ts';
import { buildGateway, gatewayRoutes, gatewayUpstreams } from './gateway.ts';

const version = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const usage = `usage: redemption <command>
  start              all services in one process (standalone; embedded database unless DATABASE_URL)
  serve <service>    one service alone against DATABASE_URL (distributed mode)
  serve gateway      the front door of distributed mode: /api/* to IDENTITY_URL, LOYALTY_URL, ...
  migrate            apply every service's migrations and exit
  seed               create the first admin (and demo data, see DEMO_DATA) and exit
  config             print the configuration variables as a Markdown table
  openapi            print the OpenAPI document (no server, no database on disk)
  events dlq list [--all] [--limit N]
                     dead-lettered events (newest first; --all includes replayed ones)
  events dlq replay <id>
                     re-drive one dead letter through its consumer group
${ledgerUsage}`;

async function run(
  config: PlatformConfig,
  modules: readonly ServiceModule[],
  name: string,
  mode: string,
): Promise<void> {
  const startedMs = performance.now();
  let base = config.publicUrl ?? `http://localhost:${config.port}`;
  const platform = await buildPlatform({
    config,
    modules,
    name,
    version,
    extraRoutes: platformRoutes(modules, mode, config),
    distributed: mode === 'distributed',
    ...(mode === 'standalone' ? { hooks: devMailbox(config, () => base) } : {}),
  });
  // Standalone creates its first admin itself; demo members and rewards per demoDataWanted.
  const seeded = mode === 'standalone' ? await platform.seed() : [];
  await platform.app.listen({ port: config.port, host: config.host });
  const readyMs = Math.round(performance.now() - startedMs);
  installShutdown({
    log: platform.app.log,
    timeoutMs: config.shutdownTimeoutMs,
    steps: [{ name: 'platform', run: () => platform.close() }],
  });
  base =
    config.publicUrl ??
    `http://localhost:${(platform.app.server.address() as { port: number }).port}`;
  const lines = [
    `Redemption ${version} (${mode}: ${modules.map((m) => m.name).join(', ')}) ready in ${readyMs} ms`,
    `  home      ${base}/`,
    `  API docs  ${base}/api/docs`,
    `  health    ${base}/health/ready   metrics ${metricsLine(config, mode === 'distributed', base)}`,
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
    url: base,
    listen: listenUrls(platform.app.addresses()),
    mode: mode === 'standalone' ? 'standalone' : 'distributed',
    services: modules.map((m) => m.name),
    version,
    ready_ms: readyMs,
  });
}

/** Says why there are no demo members, so nobody wonders where alice went. */
const demoSkippedNote = (config: PlatformConfig): string[] =>
  config.databaseUrl && !demoDataWanted(config)
    ? ['demo data skipped: DATABASE_URL is set (DEMO_DATA=1 to add demo members and rewards)']
    : [];

/** Where /metrics is and who may read it (METRICS_TOKEN; docs/decisions/009-metrics-access.md). */
function metricsLine(config: PlatformConfig, distributed: boolean, base: string): string {
  if (config.metricsToken) return `${base}/metrics (bearer METRICS_TOKEN)`;
  return distributed ? 'off (set METRICS_TOKEN to serve /metrics)' : `${base}/metrics`;
}

async function runGateway(config: PlatformConfig): Promise<void> {
  const startedMs = performance.now();
  const app = await buildGateway(config, version);
  await app.listen({ port: config.port, host: config.host });
  const readyMs = Math.round(performance.now() - startedMs);
  installShutdown({
    log: app.log,
    timeoutMs: config.shutdownTimeoutMs,
    steps: [{ name: 'gateway', run: () => app.close() }],
  });
  const base =
    config.publicUrl ?? `http://localhost:${(app.server.address() as { port: number }).port}`;
  const upstreams = gatewayUpstreams(config);
  const routes = gatewayRoutes
    .filter((r) => upstreams[r.service])
    .map((r) => `    ${r.prefixes.join(' ')} -> ${upstreams[r.service]}`);
  const lines = [
    `Redemption ${version} gateway ready in ${readyMs} ms`,
    `  home      ${base}/`,
    `  health    ${base}/health/ready   metrics ${metricsLine(config, true, base)}`,
    '  routes:',
    ...routes,
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  announceReady(app.log, {
    url: base,
    listen: listenUrls(app.addresses()),
    mode: 'gateway',
    services: gatewayRoutes.filter((r) => upstreams[r.service]).map((r) => r.service),
    version,
    ready_ms: readyMs,
  });
}

async function main(argv: string[]): Promise<void> {
  const [command, arg] = argv;
  if (command === 'config') return void process.stdout.write(`${configTable(platformVars)}\n`);
  if (command === 'openapi')
    return void process.stdout.write(
      `${JSON.stringify(await openApiDocument(allModules, version), null, 2)}\n`,
    );
  const config = loadPlatformConfig();
  switch (command) {
    case 'start':
      return run(config, allModules, 'platform', 'standalone');
    case 'serve': {
      if (!arg) throw new Error('serve needs a service name');
      if (arg === 'gateway') return runGateway(config);
      if (!config.databaseUrl)
        throw new Error('serve needs DATABASE_URL (distributed mode runs on a real PostgreSQL)');
      const m = moduleNamed(arg);
      return run(config, [m], m.name, 'distributed');
    }
    case 'migrate': {
      const db = await createDb({
        databaseUrl: config.databaseUrl,
        dataDir: config.dataDir,
        poolMax: 2,
      });
      const applied = await migrate(db, [kernelMigrations, ...allModules.map((m) => m.migrations)]);
      await db.close();
      return void process.stdout.write(
        `applied ${applied.length} migration(s)${applied.length ? `: ${applied.join(', ')}` : ''}\n`,
      );
    }
    case 'seed': {
      const platform = await buildPlatform({ config, modules: allModules, name: 'seed', version });
      const lines = await platform.seed();
      await platform.close();
      const out = [lines.length ? lines.join('\n') : 'nothing to add', ...demoSkippedNote(config)];
      return void process.stdout.write(`${out.join('\n')}\n`);
    }
    case 'events':
      return eventsCommand(config, argv.slice(1));
    case 'ledger':
      return ledgerCommand(config, argv.slice(1));
    default:
      process.stderr.write(`${usage}\n`);
      process.exitCode = command ? 2 : 0;
  }
}

const dlqListDefault = 50;

async function eventsCommand(config: PlatformConfig, args: string[]): Promise<void> {
  const [what, verb, ...rest] = args;
  if (what !== 'dlq' || (verb !== 'list' && verb !== 'replay'))
    throw new Error(`unknown events command; ${usage}`);
  const db = await createDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 2,
  });
  try {
    await migrate(db, [kernelMigrations]);
    if (verb === 'replay') {
      const id = rest[0];
      if (!id) throw new Error('events dlq replay needs a dead letter id (see events dlq list)');
      const ok = await replayDeadLetter(db, id, config.eventPartitions);
      process.stdout.write(ok ? `replayed ${id}\n` : `no un-replayed dead letter ${id}\n`);
      if (!ok) process.exitCode = 1;
      return;
    }
    const limitAt = rest.indexOf('--limit');
    const limit = limitAt >= 0 ? Number(rest[limitAt + 1]) : dlqListDefault;
    const rows = await listDeadLetters(db, {
      limit: Number.isInteger(limit) ? limit : dlqListDefault,
      includeReplayed: rest.includes('--all'),
    });
    for (const r of rows) {
      process.stdout.write(
        `${r.id}  ${r.created_at.toISOString()}  group=${r.group_name} topic=${r.topic} type=${r.event_type} ` +
          `event=${r.event_id} attempts=${r.attempts}${r.replayed_at ? ' replayed' : ''}\n    ${r.error}\n`,
      );
    }
    if (rows.length === 0) process.stdout.write('no dead letters\n');
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(
    err instanceof ConfigError
      ? `${err.message}\n`
      : `redemption: ${(err as Error).stack ?? String(err)}\n`,
  );
  process.exit(1);
});
