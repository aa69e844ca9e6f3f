/**
 * A database error must not write the statement's values to the log. PostgreSQL puts the whole
 * failing row in a CHECK violation's detail ("Failing row contains (...)"), and the embedded
 * database attaches the parameters to its errors: password hashes, names, addresses. Here a real
 * `serve identity` process on PostgreSQL fails a registration on a CHECK added for the test,
 * and its stdout (the JSON log) is searched for every value the member sent.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '@redemption/kernel';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';
import { spawnPlatform, type Running } from './testing/spawn-platform.ts';

const gate = postgresGate();
const logWaitMs = 5_000;

async function logLine(running: Running, requestId: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + logWaitMs;
  for (;;) {
    const line = running
      .stdout()
      .split('\n')
      .find((l) => l.includes(requestId) && l.includes('"level":"error"'));
    if (line) return JSON.parse(line) as Record<string, unknown>;
    if (Date.now() > deadline) throw new Error(`no error log line for ${requestId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!gate.url)(
  'no secret or personal data in logs (serve identity, PostgreSQL)',
  () => {
    let temp: TempDatabase;
    let running: Running;
    beforeAll(async () => {
      temp = await createTempDatabase(gate.url!);
      running = await spawnPlatform(['serve', 'identity'], {
        DATABASE_URL: temp.url,
        LOG_LEVEL: 'info',
      });
      const db = await createDb({ databaseUrl: temp.url, dataDir: 'memory://', poolMax: 1 });
      await db.exec(
        'ALTER TABLE identity.users ADD CONSTRAINT test_forced_failure CHECK (false) NOT VALID',
      );
      await db.close();
    }, 60_000);
    afterAll(async () => {
      running?.child.kill('SIGKILL');
      await running?.exited;
      await temp?.drop();
    });

    it('logs a failed statement by code, constraint and identity, never by its values', async () => {
      const tag = randomUUID().slice(0, 8);
      const secrets = {
        password: `correct horse ${tag} staple`,
        email: `zebulon.${tag}@example.com`,
        full_name: `Zebulon Secretname ${tag}`,
        phone: '+351 912 345 678',
        address: `42 Hidden Lane ${tag}`,
      };
      const idempotencyKey = `idem-secret-${tag}`;
      const requestId = `log-test-${tag}`;
      const res = await fetch(`${running.baseUrl}/api/users/register`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
          'x-request-id': requestId,
        },
        body: JSON.stringify({ username: `zeb${tag}`, ...secrets }),
      });
      expect(res.status).toBe(500);
      const line = await logLine(running, requestId);
      const log = running.stdout();
      for (const value of [...Object.values(secrets), idempotencyKey, '$argon2', `zeb${tag}`])
        expect(log, value).not.toContain(value);
      expect(line['err']).toMatchObject({
        type: 'DatabaseError',
        code: '23514',
        constraint: 'test_forced_failure',
        table: 'users',
        statement: expect.stringMatching(/^INSERT INTO identity\.users #[0-9a-f]{12}$/),
      });
    });
  },
);
