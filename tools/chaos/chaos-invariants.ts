/**
 * What must hold after each fault, with the load paused: orders consistent with payments,
 * points and stock (restore-checks.ts), every checkout finished or being recovered, every
 * outbox event consumed exactly once by each group (chaos-exactly-once.ts), and
 * `redemption ledger verify --full`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { orderConsistency } from '../../apps/platform/src/testing/restore-checks.ts';
import { exactlyOnce } from './chaos-exactly-once.ts';

const cli = fileURLToPath(new URL('../../apps/platform/src/cli.ts', import.meta.url));
const run = promisify(execFile);
const settleTimeoutMs = 60_000;
const unfinishedRule = 'every checkout finished';
const violationTextMax = 100;
/** At least this long for the consumers to catch up, however long the orders took to settle. */
const catchUpMinMs = 10_000;

/** Unfinished checkouts with a next attempt within the saga's retry cap: being recovered. */
async function beingRecovered(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM orders.orders
        WHERE saga_state IN ('forward', 'compensating')
          AND saga_next_attempt_at <= now() + interval '5 minutes'`, // the saga's retry cap
    );
    return rows[0]!.n;
  } finally {
    await c.end();
  }
}

async function ledgerVerify(url: string): Promise<string> {
  return run(process.execPath, [cli, 'ledger', 'verify', '--full'], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' },
  }).then(
    () => 'PASS',
    (err: { stdout?: string }) =>
      `ledger: ${/(FAIL|INCOMPLETE)[^\n]*/.exec(err.stdout ?? '')?.[0] ?? 'error'}`,
  );
}

/**
 * `held`, `held (n checkouts still being recovered)`, or the broken rules. Every checkout
 * finished or being recovered: the invariant (the saga's backoff reaches minutes, so a
 * checkout that met a dead service may still be scheduled).
 */
export async function invariants(url: string): Promise<string> {
  const deadline = Date.now() + settleTimeoutMs;
  let broken = await orderConsistency(url);
  while (broken.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    broken = await orderConsistency(url);
  }
  const unfinished = broken.filter((b) => b.startsWith(unfinishedRule));
  const recovering = unfinished.length ? await beingRecovered(url) : 0;
  const others = broken.filter((b) => !b.startsWith(unfinishedRule));
  const stuck = unfinished.length && recovering === 0 ? unfinished : [];
  const consumed = await exactlyOnce(url, Math.max(catchUpMinMs, deadline - Date.now()));
  const verify = await ledgerVerify(url);
  const bad = [...others, ...stuck, ...consumed].map((b) => b.slice(0, violationTextMax));
  if (verify !== 'PASS') bad.push(verify);
  if (bad.length) return bad.join('; ');
  return recovering ? `held (${recovering} checkouts still being recovered)` : 'held';
}
