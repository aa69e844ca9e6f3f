/**
 * The restore drill: a platform on PostgreSQL takes orders (card, points and card, declined,
 * cancelled), earns and redemptions; `redemption backup` dumps every service schema while it
 * runs; `redemption restore` loads the dump into a fresh database on a fresh cluster (initdb,
 * as a new server in a disaster: a young transaction counter, throwaway-cluster.ts; a database
 * on the test server when the server binaries are absent); there the ledger checks (`redemption
 * ledger verify --full`) pass over every restored ledger transaction, every order is consistent
 * with its payment, its points and its stock, and the business rows equal the source's.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDatabase,
  createTestTokens,
  postgresGate,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { eventually, orderBody, startOrders, type OrdersHarness } from '@redemption/orders/testing';
import {
  commerceEnv,
  commerceMember,
  commerceProduct,
  commerceServices,
} from './testing/commerce-fixtures.ts';
import { orderConsistency, tableDigests } from './testing/restore-checks.ts';
import {
  serverBinDir,
  startThrowawayCluster,
  type ThrowawayCluster,
} from './testing/throwaway-cluster.ts';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const gate = postgresGate();
const cliTimeoutMs = 120_000;
const members = 3;
const env = { ...commerceEnv, EARN_POINTS_PER_UNIT: '10', EARN_RETURN_WINDOW_DAYS: '0' };

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

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe.skipIf(!gate.url)('backup and restore drill (PostgreSQL, the CLI)', () => {
  let source: TempDatabase;
  let target: { url: string; drop(): Promise<void> };
  let cluster: ThrowawayCluster | undefined;
  let h: OrdersHarness;
  let running = false;
  const stop = async () => {
    if (running) await h.close();
    running = false;
  };
  const dir = mkdtempSync(join(tmpdir(), 'redemption-backup-'));
  const file = join(dir, 'platform.dump');

  beforeAll(async () => {
    source = await createTempDatabase(gate.url!);
    const bin = serverBinDir();
    cluster = bin ? await startThrowawayCluster(bin) : undefined;
    target = cluster
      ? { url: cluster.url.replace(/\/postgres$/, '/restored'), drop: async () => undefined }
      : await createTempDatabase(gate.url!);
    if (cluster) await withClient(cluster.url, (c) => c.query('CREATE DATABASE restored'));
    const tokens = await createTestTokens();
    h = await startOrders({ modules: commerceServices, databaseUrl: source.url, tokens, env });
    running = true;
  }, 120_000);
  afterAll(async () => {
    await stop();
    await source?.drop();
    await target?.drop();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Each member: a card order, a points-and-card order, a declined one, a cancel, a redemption. */
  async function trade(): Promise<void> {
    const product = await commerceProduct(h, 2_000, 100);
    for (let i = 0; i < members; i++) {
      const m = await commerceMember(h, 5_000);
      const order = (extra: Record<string, unknown>) =>
        h.call(
          'POST',
          '/api/orders',
          m.token,
          orderBody([{ product_id: product, quantity: 1 }], extra),
        );
      expect((await order({})).status).toBe(201);
      expect((await order({ points_to_use: 1_000 })).status).toBe(201);
      const declined = await order({ payment: { method: 'card', token: 'tok_chargeDeclined' } });
      expect(declined.status).toBeGreaterThanOrEqual(400);
      const cancelled = await order({});
      expect((await h.call('DELETE', `/api/orders/${cancelled.body.id}`, m.token)).status).toBe(
        200,
      );
      const spend = await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 300 });
      expect(spend.status).toBe(201);
    }
  }

  it('restores into a fresh database where the ledger checks and order consistency pass', async () => {
    await trade();
    await eventually(async () => expect(await orderConsistency(source.url)).toEqual([]), 30_000);

    const backup = await redemption(source.url, 'backup', '--out', file);
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/backed up \d+ tables of .*kernel.*loyalty.*orders/);
    const restore = await redemption(target.url, 'restore', '--in', file);
    expect(restore.code, restore.stderr).toBe(0);
    // A young cluster's counter is moved past the backup's transaction ids, or the relay and the
    // ledger checks would take the restored rows for transactions still to come.
    if (cluster) expect(restore.stdout).toMatch(/transaction counter advanced by \d+/);
    const again = await redemption(target.url, 'restore', '--in', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already has .*pass --clean/);

    const verify = await redemption(target.url, 'ledger', 'verify', '--full');
    expect(verify.code, `${verify.stdout}\n${verify.stderr}`).toBe(0);
    expect(verify.stdout).toMatch(/PASS: 0 violations/);
    const ledgerRows = await withClient(source.url, (c) =>
      c.query<{ n: number }>('SELECT count(*)::int AS n FROM loyalty.transactions'),
    );
    const checked = /transaction_balanced\s+0 bad of ([\d,]+) transactions/.exec(verify.stdout);
    expect(Number(checked?.[1]?.replace(/,/g, '')), verify.stdout).toBe(ledgerRows.rows[0]!.n);
    expect(await orderConsistency(target.url)).toEqual([]);
    await stop();
    expect(await tableDigests(target.url)).toEqual(await tableDigests(source.url));
    const orders = await withClient(target.url, (c) =>
      c.query<{ n: number }>('SELECT count(*)::int AS n FROM orders.orders'),
    );
    expect(orders.rows[0]!.n).toBe(members * 4);
  }, 240_000);

  it('a per-schema restore with --clean replaces that schema only', async () => {
    await withClient(target.url, (c) => c.query('DELETE FROM loyalty.drop_claims'));
    const loyalty = await redemption(
      target.url,
      'restore',
      '--in',
      file,
      '--schema',
      'loyalty',
      '--clean',
    );
    expect(loyalty.code, loyalty.stderr).toBe(0);
    expect(loyalty.stdout).toMatch(/^restored loyalty from/);
    const verify = await redemption(target.url, 'ledger', 'verify', '--full');
    expect(verify.code, verify.stdout).toBe(0);
    const none = await redemption(target.url, 'restore', '--in', file, '--schema', 'nope');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/holds no schema nope/);
  }, 120_000);
});
