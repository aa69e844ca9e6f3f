/**
 * `npm run bench -- tracing`: what tracing costs, in one run. Two `redemption start` processes
 * on their own temp databases, alike but for OTEL_EXPORTER_OTLP_ENDPOINT: unset (tracing off)
 * or pointing to a local OTLP/HTTP sink that accepts every export and discards it (tracing on:
 * spans made, batched and sent). The same autocannon load hits both, off and on in turn, twice:
 * cached `GET /api/products/:id` and `POST /api/loyalty/redemptions` (a different member and
 * Idempotency-Key per request). Prints req/s and p99 off vs on, the ratio, and the load average
 * (a busy machine moves both figures: compare the ratio, measured minutes apart).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTempDatabase } from '@redemption/kernel/testing';
import type { LoadJob, LoadResult } from './checkout/load.ts';
import { prepareShop } from './checkout/shop.ts';
import { startBenchPlatform } from './checkout/platform.ts';
import { createCleanup } from './redemption/cleanup.ts';
import { describeMachine } from './redemption/machine.ts';

const run = promisify(execFile);
const loadScript = fileURLToPath(new URL('./checkout/load.ts', import.meta.url));
const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';
const phaseS = Number(process.env['BENCH_PHASE_S'] ?? 10);
const rounds = Number(process.env['BENCH_ROUNDS'] ?? 2);
const connections = Number(process.env['BENCH_CONNECTIONS'] ?? 32);
const membersCount = Number(process.env['BENCH_MEMBERS'] ?? 40);
/** Issue 15's goal: tracing on is at most this much slower (req/s) than off. */
const overheadGoal = 0.1;

const cleanup = createCleanup();
process.on('SIGINT', () => void cleanup.runAll().then(() => process.exit(130)));

/** An OTLP/HTTP receiver that takes every export and throws it away; counts what it got. */
async function otlpSink(): Promise<{ url: string; exports: () => number; bytes: () => number }> {
  let exports = 0;
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      exports++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.add('close OTLP sink', () => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, exports: () => exports, bytes: () => bytes };
}

async function start(env: Record<string, string>): Promise<string> {
  const temp = await createTempDatabase(databaseUrl);
  cleanup.add('drop temp database', () => temp.drop());
  const platform = await startBenchPlatform(cleanup, temp.url, {
    LOYALTY_RATE_PER_MEMBER_PER_S: '100000',
    ...env,
  });
  return platform.url;
}

async function load(job: LoadJob): Promise<LoadResult> {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-load-')), 'job.json');
  writeFileSync(file, JSON.stringify(job));
  const { stdout } = await run(process.execPath, [loadScript, file], {
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
}

interface Target {
  url: string;
  productId: string;
  tokens: string[];
}

async function prepare(url: string): Promise<Target> {
  const shop = await prepareShop(url, membersCount);
  return { url, productId: shop.productIds[0]!, tokens: shop.memberTokens };
}

const read = (t: Target) =>
  load({
    url: t.url,
    connections,
    durationS: phaseS,
    kind: 'get',
    path: `/api/products/${t.productId}`,
  });
const redeem = (t: Target) =>
  load({
    url: t.url,
    connections,
    durationS: phaseS,
    kind: 'checkout', // a POST with a member's token in turn and a fresh Idempotency-Key
    path: '/api/loyalty/redemptions',
    tokens: t.tokens,
    orderBodies: [{ points: 1 }],
  });

const sum = (rs: LoadResult[]) => ({
  rps: rs.reduce((a, r) => a + r.requestsPerS, 0) / rs.length,
  p99: Math.max(...rs.map((r) => r.p99Ms)),
  statuses: rs.reduce<Record<string, number>>((acc, r) => {
    for (const [k, v] of Object.entries(r.statuses)) acc[k] = (acc[k] ?? 0) + v;
    return acc;
  }, {}),
});

async function main(): Promise<void> {
  console.log('machine:');
  for (const line of await describeMachine(databaseUrl)) console.log(`  ${line}`);
  const sink = await otlpSink();
  const off = await prepare(await start({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }));
  const on = await prepare(await start({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }));
  const loadBefore = loadavg();
  const results = { readOff: [], readOn: [], redeemOff: [], redeemOn: [] } as Record<
    'readOff' | 'readOn' | 'redeemOff' | 'redeemOn',
    LoadResult[]
  >;
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so a drift in the machine's load hits both alike.
    const pair = i % 2 === 0 ? ([off, on] as const) : ([on, off] as const);
    for (const t of pair) (t === off ? results.readOff : results.readOn).push(await read(t));
    for (const t of pair) (t === off ? results.redeemOff : results.redeemOn).push(await redeem(t));
  }
  const loadAfter = loadavg();
  const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(
    `\nload average (1/5/15 min) before ${fmt(loadBefore)}, after ${fmt(loadAfter)}; ` +
      `${connections} connections, ${rounds} rounds of ${phaseS} s per figure`,
  );
  console.log(`OTLP sink received ${sink.exports()} exports, ${sink.bytes()} bytes`);
  console.log(
    '\n| load | off req/s | on req/s | on ÷ off | off p99 ms | on p99 ms | goal | met |\n|---|---|---|---|---|---|---|---|',
  );
  for (const [what, a, b] of [
    ['GET /api/products/:id (cached)', sum(results.readOff), sum(results.readOn)],
    ['POST /api/loyalty/redemptions', sum(results.redeemOff), sum(results.redeemOn)],
  ] as const) {
    const ratio = b.rps / a.rps;
    console.log(
      `| ${what} | ${Math.round(a.rps)} | ${Math.round(b.rps)} | ${ratio.toFixed(2)} | ${a.p99} | ${b.p99} | >= ${1 - overheadGoal} | ${ratio >= 1 - overheadGoal ? 'yes' : 'NO'} |`,
    );
    console.log(`  statuses off ${JSON.stringify(a.statuses)} on ${JSON.stringify(b.statuses)}`);
  }
}

try {
  await main();
} finally {
  await cleanup.runAll();
}
