/**
 * `npm run bench -- spike` (seed 000: a flash sale at 10x): `redemption start` on a temp database
 * of the machine's PostgreSQL, a steady mix of checkouts, redemptions and drop claims at a base
 * rate, then 10x within 5 s for a minute, then back. Prints per phase: accepted/s, 202 and 429
 * counts, p50/p99 of accepted requests, p99 of the 429s, 5xx; the time to recover the base p99;
 * then, with the load stopped, every order finished and consistent with payments, points and
 * stock, and `redemption ledger verify --full`. Exits 1 when a goal on correctness is missed.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTempDatabase } from '@redemption/kernel/testing';
import { orderConsistency } from '../apps/platform/src/testing/restore-checks.ts';
import { startBenchPlatform } from './checkout/platform.ts';
import { prepareShop } from './checkout/shop.ts';
import { createCleanup } from './redemption/cleanup.ts';
import { describeMachine, memoryOf } from './redemption/machine.ts';
import { mixOf } from './spike/mix.ts';
import { runOpenLoop, type Phase } from './spike/open-loop.ts';
import { kindTable, phaseFigures, phaseTable, recoveryS } from './spike/report.ts';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../apps/platform/src/cli.ts', import.meta.url));
const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';
const baseRps = Number(process.env['BENCH_SPIKE_BASE_RPS'] ?? 12);
const spikeS = Number(process.env['BENCH_SPIKE_S'] ?? 60);
const baseS = Number(process.env['BENCH_SPIKE_BASE_S'] ?? 20);
const recoverS = Number(process.env['BENCH_SPIKE_RECOVER_S'] ?? 40);
const spikeFactor = 10;
const rampS = 5;
const membersCount = Number(process.env['BENCH_SPIKE_MEMBERS'] ?? 100);
/** A drop that sells out during the spike, as a flash sale's would. */
const dropQuantity = 1_500;
const settleTimeoutMs = 120_000;
const goals = { p99Of429Ms: 5, server5xx: 0 };

const cleanup = createCleanup();
process.on('SIGINT', () => void cleanup.runAll().then(() => process.exit(130)));

async function openDrop(base: string): Promise<string> {
  const login = await fetch(`${base}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin@bench.test', password: 'bench-admin-password' }),
  });
  const admin = ((await login.json()) as { access_token: string }).access_token;
  const res = await fetch(`${base}/api/loyalty/drops`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${admin}`,
      'content-type': 'application/json',
      'idempotency-key': crypto.randomUUID(),
    },
    body: JSON.stringify({
      name: 'Spike villa',
      points_price: 1_000,
      quantity: dropQuantity,
      per_member_limit: 100,
      opens_at: new Date(Date.now() - 60_000).toISOString(),
      closes_at: new Date(Date.now() + 3_600_000).toISOString(),
    }),
  });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 201 || !body.id)
    throw new Error(`drop: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}

/** With the load stopped: orders settle and agree with payments, points and stock; the ledger verifies. */
async function invariants(dbUrl: string): Promise<string[]> {
  const deadline = Date.now() + settleTimeoutMs;
  let broken = await orderConsistency(dbUrl);
  while (broken.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    broken = await orderConsistency(dbUrl);
  }
  const verify = await run(process.execPath, [cli, 'ledger', 'verify', '--full'], {
    env: { ...process.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'silent' },
  }).then(
    () => [],
    (err: { stdout?: string }) => [`ledger verify: ${(err.stdout ?? 'error').slice(-400)}`],
  );
  return [...broken.map((b) => b.slice(0, 200)), ...verify];
}

/**
 * The platform's event-loop delay p99 since the previous scrape (prom-client resets its
 * histogram at each collection), in ms; NaN when /metrics does not answer.
 */
async function eventLoopP99Ms(base: string): Promise<number> {
  const res = await fetch(`${base}/metrics`).catch(() => undefined);
  const text = res?.ok ? await res.text() : '';
  const m = /^nodejs_eventloop_lag_p99_seconds (\S+)$/m.exec(text);
  return m ? Number(m[1]) * 1_000 : NaN;
}

async function main(): Promise<void> {
  console.log('machine:');
  for (const line of await describeMachine(databaseUrl)) console.log(`  ${line}`);
  const temp = await createTempDatabase(databaseUrl);
  cleanup.add('drop temp database', () => temp.drop());
  const platform = await startBenchPlatform(cleanup, temp.url);
  const shop = await prepareShop(platform.url, membersCount);
  const dropId = await openDrop(platform.url);
  const phases: Phase[] = [
    { name: 'base', durationS: baseS, rps: baseRps },
    { name: 'spike', durationS: spikeS, rps: baseRps * spikeFactor, rampS },
    { name: 'recover', durationS: recoverS, rps: baseRps },
  ];
  console.log(
    `\nphases: ${phases.map((p) => `${p.name} ${p.durationS} s at ${p.rps}/s`).join(', ')}`,
  );
  const loopP99Ms = new Map<string, number>();
  const out = await runOpenLoop(phases, mixOf({ base: platform.url, dropId, ...shop }), (ended) =>
    eventLoopP99Ms(platform.url).then((ms) => void (ended && loopP99Ms.set(ended, ms))),
  );
  const mem = memoryOf(platform.pid);
  const rows = phases.map((p) => phaseFigures(p, out.samples));
  const spikeEndMs = out.phaseStartsMs.get('recover')!;
  const recovered = recoveryS(
    out.samples,
    spikeEndMs,
    spikeEndMs + recoverS * 1_000,
    rows[0]!.p99Ms,
  );
  const broken = await invariants(temp.url);
  console.log('\nper phase (accepted: 200/201; latencies of accepted requests):');
  for (const line of phaseTable(rows)) console.log(line);
  console.log(
    `platform event-loop delay p99 per phase (what a 429 waits behind): ${phases.map((p) => `${p.name} ${(loopP99Ms.get(p.name) ?? NaN).toFixed(1)} ms`).join(', ')}`,
  );
  console.log('\nanswers by kind:');
  for (const p of phases) for (const line of kindTable(p.name, out.samples)) console.log(line);
  const fives = rows.reduce((n, r) => n + r.server5xx, 0);
  const p99Of429 = Math.max(...rows.map((r) => r.p99Of429Ms));
  const checks = [
    ['5xx, all phases', `${fives}`, `${goals.server5xx}`, fives <= goals.server5xx],
    [
      'p99 of 429 answers (ms)',
      p99Of429.toFixed(1),
      `<= ${goals.p99Of429Ms}`,
      p99Of429 <= goals.p99Of429Ms,
    ],
    [
      'time to recover the base p99 (s)',
      recovered === undefined ? `> ${recoverS}` : `${recovered}`,
      '(reported)',
      true,
    ],
    ['requests the client dropped (in-flight cap)', `${out.dropped}`, '0', out.dropped === 0],
    [
      'invariants after the run',
      broken.length ? broken.join('; ') : 'held',
      'held',
      broken.length === 0,
    ],
  ] as const;
  console.log('\n| figure | measured | goal | met |\n|---|---|---|---|');
  for (const [what, got, goal, met] of checks)
    console.log(`| ${what} | ${got} | ${goal} | ${met ? 'yes' : 'NO'} |`);
  console.log(
    `\nplatform RSS now ${mem.rssMiB.toFixed(0)} MiB, peak ${mem.peakMiB.toFixed(0)} MiB`,
  );
  if (broken.length > 0) process.exitCode = 1;
}

try {
  await main();
} finally {
  await cleanup.runAll();
}
