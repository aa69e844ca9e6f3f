/**
 * The ledger under load, side by side with pgbench on the same PostgreSQL:
 *   1. pgbench TPC-B-like (-s 10 -c 16) tps vs redemptions/s through HTTP (auth on, a different
 *      member and a fresh Idempotency-Key per request), goal >= 2x;
 *   2. pgbench on one hot row (-s 1 -c 16) tps vs claims/s on ONE drop, goal >= 4x;
 *   3. redemption latency open-loop at half the measured max rate (p99 <= 50 ms) and the
 *      service's peak RSS (VmHWM < 256 MiB);
 *   4. a sell-out: 1,000 units, every one of BENCH_MEMBERS members claiming once at once.
 * One `serve loyalty` process on a temp database; load generators in their own processes.
 * Everything (processes, temp databases, files) is cleaned up, also on failure or Ctrl-C.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTempDatabase } from '@redemption/kernel/testing';
import { dropFacts, ledgerFacts } from './redemption/checks.ts';
import { createCleanup } from './redemption/cleanup.ts';
import { startLoadPool } from './redemption/load-pool.ts';
import type { Job } from './redemption/load-types.ts';
import { describeMachine, memoryOf } from './redemption/machine.ts';
import { runPgbench, type PgbenchResult } from './redemption/pgbench.ts';
import { measure, type PhaseContext } from './redemption/phase.ts';
import { cpuLine, dbLine, int, ms, phaseLines } from './redemption/report.ts';
import { startService, startSigner } from './redemption/service.ts';
import { createDrop, earnAll, makeMembers, openAccounts } from './redemption/setup.ts';
import { summary } from './redemption/summary.ts';

const envNum = (name: string, dflt: number): number => Number(process.env[name] ?? dflt);
const s = {
  databaseUrl: process.env['DATABASE_URL'] || 'postgres://root@127.0.0.1:5432/test',
  members: envNum('BENCH_MEMBERS', 20_000),
  workers: envNum('BENCH_WORKERS', 2),
  concurrency: envNum('BENCH_CONCURRENCY', 256),
  seconds: envNum('BENCH_SECONDS', 20),
  latencySeconds: envNum('BENCH_LATENCY_SECONDS', 15),
  latencyInflightMax: 2_000,
  raceConcurrency: envNum('BENCH_RACE_CONCURRENCY', 1_000),
  soldOutQuantity: 1_000,
  hotDropQuantity: 1_000_000,
  hotDropPerMemberLimit: 100,
  earnPoints: 100_000,
  warmupSeconds: 3,
  batchWaitMs: envNum('BENCH_BATCH_WAIT_MS', 1),
  batchMax: envNum('BENCH_BATCH_MAX', 256),
  poolMax: envNum('BENCH_DB_POOL_MAX', 10),
  pgbench: process.env['BENCH_PGBENCH'] !== '0',
};
const goals = { tpcbX: 2, hotRowX: 4, p99Ms: 50, peakRssMiB: 256 };
const cores = cpus().length;
const serviceErrorLinesMax = 5;
/** A sell-out claimant told 429 tries again at most this many times (each after Retry-After). */
const raceShedRetriesMax = 20;

const cleanup = createCleanup();
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    void cleanup.runAll().finally(() => process.exit(130));
  });

async function pgbenchPair(): Promise<[PgbenchResult, PgbenchResult] | undefined> {
  if (!s.pgbench) return undefined;
  const spec = { clients: 16, threads: 2, seconds: s.seconds };
  const tpcb = await runPgbench(s.databaseUrl, { ...spec, scale: 10 }, cleanup);
  console.log(
    `pgbench -s 10 -c 16 -j 2 -T ${s.seconds}: ${int(tpcb.tps)} tps, latency avg ${ms(tpcb.latencyMs)}`,
  );
  console.log(`  ${cpuLine(tpcb.cpu)}\n  ${dbLine(tpcb.db)}`);
  const hot = await runPgbench(s.databaseUrl, { ...spec, scale: 1 }, cleanup);
  console.log(
    `pgbench -s 1  -c 16 -j 2 -T ${s.seconds}: ${int(hot.tps)} tps, latency avg ${ms(hot.latencyMs)} (one branch row)`,
  );
  console.log(`  ${cpuLine(hot.cpu)}\n  ${dbLine(hot.db)}`);
  return [tpcb, hot];
}

async function startSystem(dir: string) {
  const temp = await createTempDatabase(s.databaseUrl);
  cleanup.add('drop service database', () => temp.drop());
  const signer = await startSigner(cleanup);
  const logFile = join(dir, 'serve-loyalty.log');
  const service = await startService(
    {
      DATABASE_URL: temp.url,
      IDENTITY_URL: signer.identityUrl,
      LOG_LEVEL: 'warn',
      LOYALTY_RATE_PER_IP_PER_S: '10000000',
      LOYALTY_RATE_PER_MEMBER_PER_S: '1000000',
      LEDGER_BATCH_WAIT_MS: String(s.batchWaitMs),
      LEDGER_BATCH_MAX: String(s.batchMax),
      DB_POOL_MAX: String(s.poolMax),
    },
    logFile,
    cleanup,
  );
  const startRssMiB = memoryOf(service.pid).rssMiB;
  const t = performance.now();
  const members = await makeMembers(signer, s.members, join(dir, 'members.json'));
  await openAccounts(temp.url, members.ids);
  const pool = await startLoadPool(s.workers, members.file);
  cleanup.add('stop load generators', () => pool.close());
  const earned = await earnAll(pool, service.baseUrl, s.members, s.earnPoints);
  if (earned.count(201) !== s.members)
    throw new Error(
      `setup: earn gave ${JSON.stringify(earned.statuses)} ${JSON.stringify(earned.samples)}`,
    );
  console.log(
    `setup: ${int(s.members)} members (tokens signed, accounts by SQL) and ${int(s.members)} earns via the API in ${((performance.now() - t) / 1_000).toFixed(1)} s (earn: ${int(s.members / (earned.elapsedMs / 1_000))}/s); service RSS ${startRssMiB.toFixed(0)} MiB when ready, peak ${memoryOf(service.pid).peakMiB.toFixed(0)} MiB after setup`,
  );
  return { temp, service, pool, members, logFile };
}

const job = (ctx: PhaseContext, over: Partial<Job> & Pick<Job, 'kind'>): Job => ({
  baseUrl: ctx.service.baseUrl,
  from: 0,
  to: s.members,
  cycle: true,
  mode: 'closed',
  concurrency: s.concurrency,
  durationMs: s.seconds * 1_000,
  requestsMax: Number.MAX_SAFE_INTEGER,
  expected: [201],
  ...over,
});

async function redemptionPhases(ctx: PhaseContext) {
  const warmup = await ctx.pool.run(
    job(ctx, { kind: 'redeem', durationMs: s.warmupSeconds * 1_000 }),
  );
  const max = await measure(
    ctx,
    `redemptions, closed-loop, ${s.concurrency} in flight`,
    job(ctx, { kind: 'redeem' }),
  );
  phaseLines(max).forEach((l) => console.log(l));
  const rate = Math.max(1, Math.round(max.okPerS / 2));
  const open = await measure(
    ctx,
    `redemptions, open-loop at ${int(rate)}/s`,
    job(ctx, {
      kind: 'redeem',
      mode: 'open',
      ratePerS: rate,
      concurrency: s.latencyInflightMax,
      durationMs: s.latencySeconds * 1_000,
    }),
  );
  phaseLines(open).forEach((l) => console.log(l));
  return { warmup, max, open, rate };
}

async function dropPhases(ctx: PhaseContext, adminToken: string) {
  const hotId = await createDrop(ctx.service.baseUrl, adminToken, {
    name: 'bench hot drop',
    quantity: s.hotDropQuantity,
    perMemberLimit: s.hotDropPerMemberLimit,
    pointsPrice: 1,
  });
  const hot = await measure(
    ctx,
    `claims on one drop, closed-loop, ${s.concurrency} in flight`,
    job(ctx, { kind: 'claim', dropId: hotId }),
  );
  phaseLines(hot).forEach((l) => console.log(l));
  const raceId = await createDrop(ctx.service.baseUrl, adminToken, {
    name: 'bench sell-out',
    quantity: s.soldOutQuantity,
    perMemberLimit: 1,
    pointsPrice: 1,
  });
  const race = await measure(
    ctx,
    `sell-out: ${int(s.soldOutQuantity)} units, ${int(s.members)} members once each, ${s.raceConcurrency} in flight`,
    job(ctx, {
      kind: 'claim',
      dropId: raceId,
      cycle: false,
      concurrency: s.raceConcurrency,
      requestsMax: s.members,
      durationMs: s.seconds * 1_000 * 3,
      expected: [201, 410],
      // A member told 429 (shed at capacity) tries again, as the web app does: every one of
      // them must end with 201 or 410.
      shedRetriesMax: raceShedRetriesMax,
    }),
  );
  phaseLines(race).forEach((l) => console.log(l));
  return { hot, race, raceFacts: await dropFacts(ctx.databaseUrl, raceId) };
}

function serviceErrors(logFile: string): string[] {
  return (
    readFileSync(logFile, 'utf8')
      .split('\n')
      // The kernel's logger writes the level's label ("error"), not pino's number (50).
      .filter((l) => /"level":("error"|"fatal"|50|60)\b/.test(l))
      .slice(0, serviceErrorLinesMax)
      .map((l) => `  service log: ${l.slice(0, 600)}`)
  );
}

async function main(): Promise<void> {
  (await describeMachine(s.databaseUrl)).forEach((l) => console.log(l));
  console.log(
    `settings    LEDGER_BATCH_WAIT_MS=${s.batchWaitMs} LEDGER_BATCH_MAX=${s.batchMax} DB_POOL_MAX=${s.poolMax} LOG_LEVEL=warn, rate limits high, one serve loyalty process; ${s.workers} load-generator processes, ${s.concurrency} requests in flight (closed loop), ${s.seconds} s per throughput run, ${s.latencySeconds} s open-loop latency run`,
  );
  console.log(
    'cpu groups  service = serve loyalty; postgres = backends of the measured database + WAL writer, checkpointer; bench = load generators + this process; other = everything else on the machine',
  );
  const pgb = await pgbenchPair();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redemption-'));
  cleanup.add('remove temp files', async () => rmSync(dir, { recursive: true, force: true }));
  const sys = await startSystem(dir);
  const ctx: PhaseContext = { databaseUrl: sys.temp.url, pool: sys.pool, service: sys.service };
  const red = await redemptionPhases(ctx);
  const drops = await dropPhases(ctx, sys.members.adminToken);
  const rss = memoryOf(sys.service.pid);
  const ledger = await ledgerFacts(sys.temp.url);
  serviceErrors(sys.logFile).forEach((l) => console.log(l));
  const redeemOk = red.warmup.count(201) + red.max.load.count(201) + red.open.load.count(201);
  const allMet = summary(
    { pgb, red, drops, rss, ledger, redeemOk },
    { soldOutQuantity: s.soldOutQuantity, members: s.members, cores, goals },
  );
  console.log(
    `\nservice RSS now ${rss.rssMiB.toFixed(0)} MiB, peak ${rss.peakMiB.toFixed(0)} MiB; goals ${allMet ? 'all met' : 'NOT all met'}`,
  );
}

const startedMs = performance.now();
try {
  await main();
} catch (err) {
  console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await cleanup.runAll();
  console.log(`took ${((performance.now() - startedMs) / 1_000).toFixed(0)} s; cleaned up`);
}
