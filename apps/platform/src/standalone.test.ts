import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memberJourney, slowRegistration } from './testing/http-journey.ts';
import { spawnPlatform, type Running } from './testing/spawn-platform.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'redemption-standalone-'));
const env = {
  DATA_DIR: dataDir,
  ADMIN_PASSWORD: 'admin password for tests',
  DATABASE_URL: '',
  REDIS_URL: '',
};
let running: Running | undefined;

afterAll(() => {
  running?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('redemption start (standalone, embedded PostgreSQL)', () => {
  it('comes up ready with demo data and serves the member journey on one port', async () => {
    running = await spawnPlatform(['start'], env);
    expect(running.stderr()).toContain('demo data (first start)');
    const ready = await fetch(`${running.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    const root = await (await fetch(`${running.baseUrl}/`)).text();
    expect(root).toContain('/api/docs');
    const adminLogin = await fetch(`${running.baseUrl}/api/users/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin@redemption.local', password: env.ADMIN_PASSWORD }),
    });
    expect(adminLogin.status).toBe(200);
    await memberJourney(running.baseUrl);
  });

  it('finishes a slow request after SIGTERM, then exits 0', async () => {
    const r = running!;
    const status = await slowRegistration(r.baseUrl, async () => {
      r.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(r.child.exitCode).toBeNull();
    });
    expect(status).toBe(201);
    expect(await r.exited).toBe(0);
  });

  it('keeps its data and does not seed twice across restarts', async () => {
    running = await spawnPlatform(['start'], env);
    expect(running.stderr()).not.toContain('demo data (first start)');
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });
});
