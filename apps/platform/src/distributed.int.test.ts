import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';
import { memberJourney, slowRegistration, testMetricsToken } from './testing/http-journey.ts';
import { spawnPlatform, type Running } from './testing/spawn-platform.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)('redemption serve identity (distributed, real PostgreSQL)', () => {
  let temp: TempDatabase;
  let running: Running;
  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    running = await spawnPlatform(['serve', 'identity'], {
      DATABASE_URL: temp.url,
      METRICS_TOKEN: testMetricsToken,
    });
  });
  afterAll(async () => {
    running?.child.kill('SIGKILL');
    await running?.exited;
    await temp?.drop();
  });

  it('serves the member journey', async () => {
    const ready = await (await fetch(`${running.baseUrl}/health/ready`)).json();
    expect(ready).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
    await memberJourney(running.baseUrl);
  });

  it('serves /metrics only to a scraper with METRICS_TOKEN, and not at all without one', async () => {
    expect(running.stderr()).toContain('/metrics (bearer METRICS_TOKEN)');
    const anonymous = await fetch(`${running.baseUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    const tokenless = await spawnPlatform(['serve', 'identity'], { DATABASE_URL: temp.url });
    try {
      expect(tokenless.stderr()).toContain('metrics off (set METRICS_TOKEN');
      expect((await fetch(`${tokenless.baseUrl}/metrics`)).status).toBe(404);
      expect((await fetch(`${tokenless.baseUrl}/health/ready`)).status).toBe(200);
    } finally {
      tokenless.child.kill('SIGKILL');
      await tokenless.exited;
    }
  });

  it('drains a slow request on SIGTERM and exits 0', async () => {
    const status = await slowRegistration(running.baseUrl, async () => {
      running.child.kill('SIGTERM');
    });
    expect(status).toBe(201);
    expect(await running.exited).toBe(0);
  });

  it('refuses to serve without DATABASE_URL, with a clear message', async () => {
    await expect(spawnPlatform(['serve', 'identity'], { DATABASE_URL: '' })).rejects.toThrow(
      /serve needs DATABASE_URL/,
    );
  });
});
