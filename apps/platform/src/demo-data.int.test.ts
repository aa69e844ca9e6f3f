/**
 * Demo members have a published password (README), so they must never appear by default in a
 * real database: `start` and `seed` against DATABASE_URL create the first admin only, unless
 * DEMO_DATA=1 says otherwise.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';
import { spawnPlatform, type Running } from './testing/spawn-platform.ts';

const gate = postgresGate();
const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const adminPassword = 'admin password for tests';
const demoPassword = 'redemption-demo-2026';
const commandTimeoutMs = 60_000;

/** Whatever the calling shell says, these tests decide DEMO_DATA themselves. */
const base = {
  ADMIN_PASSWORD: adminPassword,
  EVENT_TRANSPORT: 'pg',
  REDIS_URL: '',
  DEMO_DATA: '',
  LOG_LEVEL: 'warn',
};

async function usernames(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ username: string }>(
      'SELECT username FROM identity.users ORDER BY username',
    );
    return rows.map((r) => r.username);
  } finally {
    await client.end();
  }
}

async function seed(url: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'seed'], {
    env: { ...process.env, ...base, DATABASE_URL: url, ...env },
    timeout: commandTimeoutMs,
  });
  return stdout;
}

const login = (baseUrl: string, username: string, password: string) =>
  fetch(`${baseUrl}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

describe.skipIf(!gate.url)('demo data against a real DATABASE_URL', () => {
  const temps: TempDatabase[] = [];
  let running: Running | undefined;
  const tempDb = async () => {
    const t = await createTempDatabase(gate.url!);
    temps.push(t);
    return t.url;
  };
  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await running?.exited;
    for (const t of temps) await t.drop();
  });

  describe('redemption start', () => {
    let url: string;
    beforeAll(async () => {
      url = await tempDb();
      running = await spawnPlatform(['start'], { ...base, DATABASE_URL: url });
    }, commandTimeoutMs);

    it('creates the admin but no demo member and no demo reward', async () => {
      expect(await usernames(url)).toEqual(['admin']);
      expect((await login(running!.baseUrl, 'alice', demoPassword)).status).toBe(401);
      const banner = running!.stderr();
      expect(banner).toContain('admin: admin@redemption.local / (ADMIN_PASSWORD)');
      expect(banner).toContain('demo data skipped: DATABASE_URL is set');
      expect(banner).not.toContain(demoPassword);
      expect((await login(running!.baseUrl, 'admin', adminPassword)).status).toBe(200);
      const products = await fetch(`${running!.baseUrl}/api/products`);
      expect(((await products.json()) as { items: unknown[] }).items).toEqual([]);
    });
  });

  describe('redemption seed', () => {
    it('adds the admin only, then the demo data when DEMO_DATA=1 asks for it', async () => {
      const url = await tempDb();
      const first = await seed(url);
      expect(await usernames(url)).toEqual(['admin']);
      expect(first).toContain('admin: admin@redemption.local');
      expect(first).toContain('demo data skipped');
      expect(first).not.toContain(demoPassword);

      const opted = await seed(url, { DEMO_DATA: '1' });
      expect(opted).toContain(`members: alice, bob, carol / ${demoPassword}`);
      expect(opted).toMatch(/catalog: 12 demo rewards/);
      expect(await usernames(url)).toEqual(['admin', 'alice', 'bob', 'carol']);
      expect(await seed(url, { DEMO_DATA: '1' })).toContain('nothing to add');
    });

    it('adds the admin only with DEMO_DATA=0', async () => {
      const url = await tempDb();
      const out = await seed(url, { DEMO_DATA: '0' });
      expect(out).not.toContain('members:');
      expect(await usernames(url)).toEqual(['admin']);
    });
  });
});
