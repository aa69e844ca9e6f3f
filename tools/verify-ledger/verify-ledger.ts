/**
 * Correctness harness for the loyalty ledger (`npm run verify:ledger -- --ops N --processes P`).
 *
 * A temp database, `redemption seed`, one identity and P loyalty processes (distributed mode),
 * N randomized ledger ops with duplicate submissions, client retries and kill -9s; then every
 * process is stopped and the database is checked against the ledger's invariants and against
 * what the client was told. Exits 0 only when every check passes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb, type Db } from '@redemption/kernel';
import { createTempDatabase } from '@redemption/kernel/testing';
import { parseArgs, type Options } from './args.ts';
import { keepTokensFresh } from './auth.ts';
import { clientChecks } from './checks-client.ts';
import { ledgerChecks, type Check } from './checks-ledger.ts';
import { runSeed, startCluster, type Cluster } from './cluster.ts';
import { drive } from './drive.ts';
import { createRng } from './prng.ts';
import { checkLines, suspectKeys, summaryLines } from './report.ts';
import { createRunner } from './runner.ts';
import { createDrops, earnInitial, setUpUsers, waitForAccounts } from './setup.ts';
import type { Model } from './workload.ts';

const suspectsShownMax = 10;
const checkPoolMax = 2;
/** What the client checks read is linear (every transaction id, hold and member once). */
const clientChecksTimeoutMs = 600_000;
const analyzeTimeoutMs = 600_000;
const say = (line: string): void => void process.stderr.write(`${line}\n`);
const sinceS = (t: number): string => `${((performance.now() - t) / 1000).toFixed(1)} s`;

/**
 * After every process has stopped: ANALYZE (the load just wrote every row, so the planner's
 * statistics are stale), the product's full ledger verification, then what the client saw.
 */
async function checkDatabase(
  url: string,
  run: Parameters<typeof clientChecks>[1],
): Promise<Check[]> {
  const db = await createDb({ databaseUrl: url, dataDir: 'memory://', poolMax: checkPoolMax });
  try {
    let t = performance.now();
    await db.tx(async (q) => {
      await q.exec(`SET LOCAL statement_timeout = ${analyzeTimeoutMs}`);
      await q.exec('ANALYZE');
    });
    say(`ANALYZE in ${sinceS(t)}`);
    say(await scheduledVerification(db));
    t = performance.now();
    const ledger = await ledgerChecks(db, say);
    say(`ledger checks in ${sinceS(t)}`);
    t = performance.now();
    say(`client checks (timeout ${clientChecksTimeoutMs / 1000} s)`);
    const client = await db.tx(async (q) => {
      await q.exec(`SET LOCAL statement_timeout = ${clientChecksTimeoutMs}`);
      return clientChecks(q, run);
    });
    say(`client checks in ${sinceS(t)}`);
    return [...ledger.checks, ...client];
  } finally {
    await db.close();
  }
}

/** What the loyalty processes' own scheduled verification recorded while the traffic ran. */
async function scheduledVerification(db: Db): Promise<string> {
  const { rows } = await db.query<{
    mode: string | null;
    position: string | null;
    at: Date | null;
    violations: Record<string, number>;
  }>(
    'SELECT mode, position::text AS position, verified_at AS at, violations FROM loyalty.ledger_verification',
  );
  const r = rows[0];
  if (!r?.at) return 'scheduled verification: none ran during the traffic';
  const bad = Object.values(r.violations).reduce((a, b) => a + b, 0);
  return `scheduled verification during the traffic: last ${r.mode} at position ${r.position}, ${r.at.toISOString()}: ${bad} violations`;
}

async function runAll(o: Options, dbUrl: string, started: number): Promise<number> {
  const adminPassword = randomBytes(18).toString('base64url');
  const logDir = mkdtempSync(path.join(tmpdir(), 'verify-ledger-'));
  const env = { databaseUrl: dbUrl, adminPassword, logDir };
  say(`process logs in ${logDir}`);
  say(`seed: ${(await runSeed(env)).split('\n').join('; ')}`);
  let cluster: Cluster | undefined;
  let exits: Awaited<ReturnType<Cluster['stop']>> = [];
  try {
    cluster = await startCluster(env, o.processes);
    say(`identity ${cluster.identityUrl}, loyalty ${cluster.loyaltyUrls.join(' ')}`);
    const rng = createRng(o.seed);
    const users = await setUpUsers(cluster.identityUrl, adminPassword, o.members);
    const auth = keepTokensFresh(cluster.identityUrl, [users.admin, ...users.members]);
    const url0 = cluster.loyaltyUrls[0]!;
    await waitForAccounts(url0, users.admin, users.members);
    const drops = await createDrops(url0, users.admin, rng, users.members.length);
    const model: Model = {
      ...users,
      dropIds: drops.map((d) => d.id),
      activeHolds: [],
      allHolds: [],
      txs: [],
    };
    const runner = createRunner({ cluster, auth, model, concurrency: o.concurrency });
    const keyPrefix = `vl${o.seed}`;
    await earnInitial(runner, model, keyPrefix);
    const setupMs = performance.now() - started;
    say(
      `setup done in ${Math.round(setupMs)} ms: ${users.members.length} members, ${drops.length} drops; sending ${o.ops} ops`,
    );
    await drive(rng, model, runner, cluster, {
      ops: o.ops,
      kills: o.kills,
      processes: o.processes,
      keyPrefix,
    });
    const trafficMs = performance.now() - started - setupMs;
    auth.stop();
    exits = await cluster.stop();
    const checksStarted = performance.now();
    const checks = await checkDatabase(dbUrl, runner.records);
    const checksMs = performance.now() - checksStarted;
    const elapsedMs = performance.now() - started;
    const options = `--ops ${o.ops} --processes ${o.processes} --members ${o.members} --kills ${o.kills} --seed ${o.seed} --concurrency ${o.concurrency}`;
    const lines = summaryLines({
      options,
      stats: runner.stats,
      records: runner.records,
      setupMs,
      trafficMs,
      checksMs,
      elapsedMs,
      exits,
      tokens: auth.counts(),
    });
    const failed = checks.filter((c) => !c.pass).length;
    process.stdout.write(
      [
        ...lines,
        'checks',
        ...checkLines(checks),
        failed
          ? `FAIL: ${failed} of ${checks.length} checks failed`
          : `PASS: all ${checks.length} checks passed`,
      ].join('\n') + '\n',
    );
    if (failed)
      for (const s of suspectKeys(runner.records, suspectsShownMax)) say(`  suspect ${s}`);
    return failed ? 1 : 0;
  } finally {
    if (cluster && exits.length === 0) await cluster.stop();
  }
}

/** The harness; resolves with the exit code (0: every check passed). */
export async function main(argv: readonly string[]): Promise<number> {
  const o = parseArgs(argv);
  const started = performance.now();
  const temp = await createTempDatabase(o.databaseUrl);
  say(`temp database ${new URL(temp.url).pathname.slice(1)} (seed ${o.seed})`);
  try {
    return await runAll(o, temp.url, started);
  } finally {
    if (o.keepDb) say(`kept ${temp.url}`);
    else await temp.drop();
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      say(`verify-ledger: ${(err as Error).stack ?? String(err)}`);
      process.exit(2);
    },
  );
}
