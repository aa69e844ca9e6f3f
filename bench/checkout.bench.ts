/**
 * `npm run bench -- checkout`: the commerce path on the machine's PostgreSQL.
 * - baseline: a hello-world Fastify route (its own process), measured in the same run;
 * - `GET /api/products/:id` and `GET /api/products?category=…` cached, and a product page that
 *   misses the cache every time (a distinct query per request), through `redemption start`;
 * - `POST /api/orders` end to end: reserve stock, hold points, charge the card (simulated
 *   provider), capture points, commit stock — orders/s and p50/p99 at a fixed concurrency.
 * Load comes from autocannon in its own process (bench/checkout/load.ts).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTempDatabase, readyBaseUrl, waitForReady } from '@redemption/kernel/testing';
import { createCleanup } from './redemption/cleanup.ts';
import { checkpoint, describeMachine, memoryOf } from './redemption/machine.ts';
import type { LoadJob, LoadResult } from './checkout/load.ts';
import { prepareShop, type Shop } from './checkout/shop.ts';
import { runPgbench } from './redemption/pgbench.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../apps/platform/src/cli.ts', import.meta.url));
const loadScript = fileURLToPath(new URL('./checkout/load.ts', import.meta.url));
const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';
const readDurationS = Number(process.env['BENCH_READ_S'] ?? 10);
const orderDurationS = Number(process.env['BENCH_ORDER_S'] ?? 15);
const readConnections = 64;
const orderConnections = Number(process.env['BENCH_ORDER_CONNECTIONS'] ?? 16);
const membersCount = 200;
const readyTimeoutMs = 60_000;
const withPgbench = process.env['BENCH_PGBENCH'] !== '0';
const profDir = process.env['BENCH_CPU_PROF_DIR'];
/** With BENCH_CPU_PROF_DIR, how long the platform gets to exit and write its profile. */
const profileExitWaitMs = 30_000;
/** Issue 12's goals, each a same-run ratio or a figure. */
const goals = { tpcbX: 0.5, hotRowX: 0.5, halfMaxP99Ms: 100, readX: 0.5, peakRssMiB: 384 };

const cleanup = createCleanup();
process.on('SIGINT', () => void cleanup.runAll().then(() => process.exit(130)));

async function load(job: LoadJob): Promise<LoadResult> {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-load-')), 'job.json');
  writeFileSync(file, JSON.stringify(job));
  const { stdout } = await run(process.execPath, [loadScript, file], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
}

/** Spawns a process and resolves with its base URL once it writes its ready line. */
async function start(args: string[], env: Record<string, string>, profile = false) {
  // BENCH_CPU_PROF_DIR=dir: the platform writes a V8 CPU profile there when the bench ends
  const profArgs = profile && profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const child = spawn(process.execPath, [...profArgs, ...args], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.add(`stop ${args.join(' ')}`, async () => {
    if (!profArgs.length) return void child.kill('SIGKILL');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM'); // V8 writes the profile only on a normal exit
    await Promise.race([exited, new Promise((r) => setTimeout(r, profileExitWaitMs))]);
    child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const ready = await waitForReady(child, { timeoutMs: readyTimeoutMs, output: () => stderr });
  return { url: readyBaseUrl(ready), pid: child.pid! };
}

/** A hello-world Fastify process that announces itself with the platform's ready line. */
async function helloWorld(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-hello-'));
  const file = join(dir, 'hello.mjs');
  writeFileSync(
    file,
    `import Fastify from '${import.meta.resolve('fastify')}';
const app = Fastify(); app.get('/', async () => ({ hello: 'world' }));
const a = await app.listen({ port: 0, host: '127.0.0.1' });
const ready = { event: 'ready', url: a, listen: [a], mode: 'standalone', services: [], pid: process.pid, version: '0', ready_ms: 0 };
process.stdout.write(JSON.stringify(ready) + '\\n');`,
  );
  return (await start([file], {})).url;
}

const row = (name: string, r: LoadResult, base?: LoadResult): string =>
  `${name.padEnd(44)} ${Math.round(r.requestsPerS).toString().padStart(8)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms` +
  (base ? `  (${((100 * r.requestsPerS) / base.requestsPerS).toFixed(0)}% of hello-world)` : '') +
  `  statuses ${JSON.stringify(r.statuses)}`;

async function main(): Promise<void> {
  console.log('machine:');
  for (const line of await describeMachine(databaseUrl)) console.log(`  ${line}`);
  const temp = await createTempDatabase(databaseUrl);
  cleanup.add('drop temp database', () => temp.drop());
  const hello = await helloWorld();
  const platform = await start(
    [cli, 'start'],
    {
      DATABASE_URL: temp.url,
      DEMO_DATA: '1',
      ADMIN_EMAIL: 'admin@bench.test',
      ADMIN_PASSWORD: 'bench-admin-password',
      // The bench registers and logs in 200 members from one IP; per-IP throttles would refuse.
      LOGIN_RATE_PER_IP_PER_MIN: '100000',
      REGISTER_RATE_PER_IP_PER_HOUR: '100000',
    },
    true,
  );
  const shop: Shop = await prepareShop(platform.url, membersCount);
  const cacheMode = process.env['REDIS_URL'] ? 'Redis' : 'in-process LRU';

  const base = await load({
    url: hello,
    connections: readConnections,
    durationS: readDurationS,
    kind: 'get',
    path: '/',
  });
  const read = (path: string, kind: LoadJob['kind'] = 'get') =>
    load({ url: platform.url, connections: readConnections, durationS: readDurationS, kind, path });
  const one = await read(`/api/products/${shop.productIds[0]}`);
  const list = await read('/api/products?category=bench&limit=20');
  const miss = await read('/api/products?category=bench&limit=20', 'get-distinct');
  await checkpoint(databaseUrl);
  const orders = await load({
    url: platform.url,
    connections: orderConnections,
    durationS: orderDurationS,
    kind: 'checkout',
    path: '/api/orders',
    tokens: shop.memberTokens,
    orderBodies: shop.orderBodies,
  });
  const order = (orderBodies: unknown[], overallRate?: number) =>
    load({
      url: platform.url,
      connections: orderConnections,
      durationS: orderDurationS,
      kind: 'checkout',
      path: '/api/orders',
      tokens: shop.memberTokens,
      orderBodies,
      ...(overallRate ? { overallRate } : {}),
    });
  const hotOrders = await order([shop.orderBodies[0]]);
  const halfMax = await order(shop.orderBodies, Math.max(1, Math.round(orders.requestsPerS / 2)));
  const mem = memoryOf(platform.pid);
  const pgb = withPgbench ? await pgbenchPair() : undefined;
  console.log(
    `\nresults (cache: ${cacheMode}; ${readConnections} connections for reads, ${orderConnections} for orders):`,
  );
  console.log(row('hello-world Fastify GET /', base));
  console.log(row('GET /api/products/:id (cached)', one, base));
  console.log(row('GET /api/products?category (cached page)', list, base));
  console.log(row('GET /api/products (uncached: distinct query)', miss, base));
  console.log(row('POST /api/orders (points + card, full saga)', orders));
  console.log(row('POST /api/orders, every order one product', hotOrders));
  console.log(
    row(`POST /api/orders at half max (${Math.round(orders.requestsPerS / 2)}/s)`, halfMax),
  );
  console.log(`service peak RSS ${Math.round(mem.peakMiB)} MiB`);
  printGoals({ base, one, list, orders, hotOrders, halfMax, peakMiB: mem.peakMiB, pgb });
}

async function pgbenchPair() {
  const spec = { clients: 16, threads: 2, seconds: orderDurationS };
  const tpcb = await runPgbench(databaseUrl, { ...spec, scale: 10 }, cleanup);
  const hot = await runPgbench(databaseUrl, { ...spec, scale: 1 }, cleanup);
  console.log(
    `pgbench -s 10 -c 16: ${Math.round(tpcb.tps)} tps; -s 1 -c 16 (hot row): ${Math.round(hot.tps)} tps`,
  );
  return { tpcb: tpcb.tps, hot: hot.tps };
}

function printGoals(m: {
  base: LoadResult;
  one: LoadResult;
  list: LoadResult;
  orders: LoadResult;
  hotOrders: LoadResult;
  halfMax: LoadResult;
  peakMiB: number;
  pgb: { tpcb: number; hot: number } | undefined;
}): void {
  const x = (a: number, b: number | undefined) => (b ? a / b : NaN);
  const lines: Array<[string, string, string, boolean]> = [
    [
      'checkout orders/s ÷ pgbench TPC-B tps',
      x(m.orders.requestsPerS, m.pgb?.tpcb).toFixed(2),
      `>= ${goals.tpcbX}`,
      x(m.orders.requestsPerS, m.pgb?.tpcb) >= goals.tpcbX,
    ],
    [
      'checkout, one product ÷ pgbench hot-row tps',
      x(m.hotOrders.requestsPerS, m.pgb?.hot).toFixed(2),
      `>= ${goals.hotRowX}`,
      x(m.hotOrders.requestsPerS, m.pgb?.hot) >= goals.hotRowX,
    ],
    [
      'checkout p99 at half max (ms)',
      `${m.halfMax.p99Ms}`,
      `<= ${goals.halfMaxP99Ms}`,
      m.halfMax.p99Ms <= goals.halfMaxP99Ms,
    ],
    [
      'cached GET /api/products/:id ÷ hello-world',
      x(m.one.requestsPerS, m.base.requestsPerS).toFixed(2),
      `>= ${goals.readX}`,
      x(m.one.requestsPerS, m.base.requestsPerS) >= goals.readX,
    ],
    [
      'cached page ÷ hello-world',
      x(m.list.requestsPerS, m.base.requestsPerS).toFixed(2),
      `>= ${goals.readX}`,
      x(m.list.requestsPerS, m.base.requestsPerS) >= goals.readX,
    ],
    [
      'peak RSS, standalone all-in-one (MiB)',
      m.peakMiB.toFixed(0),
      `<= ${goals.peakRssMiB}`,
      m.peakMiB <= goals.peakRssMiB,
    ],
  ];
  console.log('\n| figure | measured | goal | met |\n|---|---|---|---|');
  for (const [what, got, goal, met] of lines)
    console.log(`| ${what} | ${got} | ${goal} | ${met ? 'yes' : 'NO'} |`);
}

try {
  await main();
} finally {
  await cleanup.runAll();
}
