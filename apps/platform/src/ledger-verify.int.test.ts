/**
 * `redemption ledger verify` against a live loyalty service on PostgreSQL: 0 violations while
 * members earn, spend, hold and capture concurrently (the command reads a snapshot from its own
 * process); then a corrupted balance and a deleted entry each make it exit 1 naming the checks
 * they break, and the service's /metrics exports the count.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';
import { startLoyalty, type LoyaltyHarness } from '@redemption/loyalty/testing';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const gate = postgresGate();
const members = 6;
const loadMs = 6_000;
/** The load goes on past loadMs until this many writes were accepted (a loaded machine is slow)… */
const acceptedMin = 150;
/** …but never longer than this. */
const loadMaxMs = 60_000;
const verificationsUnderLoad = 3;
const cliTimeoutMs = 60_000;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function redemption(databaseUrl: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      {
        env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
        timeout: cliTimeoutMs,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The "N bad" of one check's line in the command's report. */
const badOf = (run: CliRun, check: string): number => {
  const m = new RegExp(`^\\s+\\w+\\s+${check}\\s+(\\d+) bad`, 'm').exec(run.stdout);
  if (!m) throw new Error(`no line for ${check} in:\n${run.stdout}\n${run.stderr}`);
  return Number(m[1]);
};

/** How many new transactions an incremental run's transaction_balanced check read. */
const badOfNew = (run: CliRun): number =>
  Number(
    /transaction_balanced\s+0 bad of ([\d,]+) new transactions/
      .exec(run.stdout)![1]!
      .replace(/,/g, ''),
  );

describe.skipIf(!gate.url)('redemption ledger verify (live loyalty service, PostgreSQL)', () => {
  let temp: TempDatabase;
  let h: LoyaltyHarness;
  const verify = (...args: string[]) => redemption(temp.url, 'ledger', 'verify', ...args);
  const sql = (text: string, params: unknown[] = []) => h.platform.db.query(text, params);
  const transactions = async () =>
    Number((await sql('SELECT count(*)::int AS n FROM loyalty.transactions')).rows[0]!['n']);
  const metrics = async () =>
    (await h.platform.app.inject({ method: 'GET', url: '/metrics' })).body;

  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    h = await startLoyalty({
      databaseUrl: temp.url,
      env: { LOYALTY_RATE_PER_MEMBER_PER_S: '10000', LOYALTY_RATE_PER_IP_PER_S: '100000' },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await temp?.drop();
  });

  /**
   * Each member earns, redeems, holds and captures or releases in a loop until `until` and
   * `acceptedMin` writes, or `loadMaxMs`.
   */
  async function load(ms: { id: string; token: string }[], until: number): Promise<number> {
    let accepted = 0;
    const hardUntil = Date.now() + loadMaxMs;
    const going = () => (Date.now() < until || accepted < acceptedMin) && Date.now() < hardUntil;
    const ok = (s: number) => void (s < 300 && accepted++);
    await Promise.all(
      ms.map(async (m, i) => {
        for (let n = 0; going(); n++) {
          const post = (url: string, token: string, body: unknown) =>
            h.call('POST', url, token, body).then((r) => (ok(r.status), r));
          await post('/api/loyalty/earn', h.adminToken, {
            member_id: m.id,
            points: 40,
            reason: 'load',
          });
          await post('/api/loyalty/redemptions', m.token, { points: 15 });
          const hold = await post('/api/loyalty/holds', m.token, { points: 20 });
          if (hold.status !== 201) continue;
          const settle = (n + i) % 2 ? 'capture' : 'release';
          await post(
            `/api/loyalty/holds/${hold.body.id}/${settle}`,
            m.token,
            settle === 'capture' ? { points: 10 } : {},
          );
        }
      }),
    );
    return accepted;
  }

  it('reports 0 violations while the ledger takes concurrent writes', async () => {
    const ms = await Promise.all(Array.from({ length: members }, () => h.member(1_000)));
    expect(await verify()).toMatchObject({ code: 0 }); // the first one is full
    const before = await transactions();
    const loading = load(ms, Date.now() + loadMs);
    const runs: CliRun[] = [];
    for (let i = 0; i < verificationsUnderLoad; i++) runs.push(await verify());
    const accepted = await loading;
    runs.push(await verify());

    expect(accepted).toBeGreaterThanOrEqual(acceptedMin);
    for (const run of runs) {
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('PASS: 0 violations');
      expect(run.stdout).toMatch(/^ledger verify \(incremental from position \d+\)/);
    }
    // Each run verified what the one before could not see: every transaction written under
    // load exactly once, and some while the load was still running.
    const verified = runs.map((r) => badOfNew(r));
    expect(verified.slice(0, verificationsUnderLoad).some((n) => n > 0)).toBe(true);
    expect(verified.reduce((a, b) => a + b, 0)).toBe((await transactions()) - before);
  }, 120_000);

  it('exits 1 naming balance_matches_entries when a stored balance is changed, and exports it', async () => {
    const m = await h.member(500);
    await sql('UPDATE loyalty.accounts SET balance = balance + 1 WHERE id = $1', [m.id]);
    const run = await verify();
    expect(run.code, run.stderr).toBe(1);
    expect(badOf(run, 'balance_matches_entries')).toBe(1);
    expect(badOf(run, 'balances_sum_zero')).toBe(1);
    expect(run.stdout).toMatch(/^FAIL: \d+ violation/m);
    expect(await metrics()).toContain(
      'ledger_invariant_violations{check="balance_matches_entries"} 1',
    );

    await sql('UPDATE loyalty.accounts SET balance = balance - 1 WHERE id = $1', [m.id]);
    expect((await verify()).code).toBe(0);
    expect(await metrics()).toContain(
      'ledger_invariant_violations{check="balance_matches_entries"} 0',
    );
  }, 60_000);

  it('exits 1 naming the transaction checks when an entry is deleted (full)', async () => {
    const m = await h.member(300);
    await sql(
      `DELETE FROM loyalty.entries WHERE id = (SELECT e.id FROM loyalty.entries e
         JOIN loyalty.transactions t ON t.id = e.transaction_id
         WHERE t.member_id = $1 AND e.account_id = $1 LIMIT 1)`,
      [m.id],
    );
    const run = await verify('--full');
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^ledger verify \(full\)/);
    for (const check of [
      'transaction_balanced',
      'transaction_moves_member',
      'entries_sum_zero',
      'balance_matches_entries',
    ])
      expect(badOf(run, check), check).toBe(1);
    expect(badOf(run, 'held_matches_holds')).toBe(0);
    expect(await metrics()).toContain(
      'ledger_invariant_violations{check="transaction_balanced"} 1',
    );
  }, 60_000);

  it('exits 2, not 1, on a bad option', async () => {
    const run = await verify('--fast');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--fast'");
    expect(run.stderr).toContain('usage: redemption ledger verify');
  });
});
