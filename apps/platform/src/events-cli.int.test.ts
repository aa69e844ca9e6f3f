import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDb,
  deliver,
  kernelMigrations,
  migrate,
  newId,
  retryPolicyDefault,
  type Db,
} from '@redemption/kernel';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const gate = postgresGate();

describe.skipIf(!gate.url)('redemption events dlq (list, replay)', () => {
  let temp: TempDatabase;
  let db: Db;
  const event = {
    specversion: '1.0',
    id: newId(),
    source: '/t',
    type: 'test_happened',
    time: new Date().toISOString(),
    subject: 'k1',
    datacontenttype: 'application/json',
    data: {},
  } as const;
  const redemption = (...args: string[]) =>
    run(process.execPath, [cli, ...args], {
      env: { ...process.env, DATABASE_URL: temp.url, LOG_LEVEL: 'silent' },
    });

  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    db = await createDb({ databaseUrl: temp.url, dataDir: 'memory://', poolMax: 2 });
    await migrate(db, [kernelMigrations]);
    const sub = {
      group: 'mailer',
      topics: ['orders'],
      handler: async () => Promise.reject(new Error('smtp down')),
    };
    const outcome = await deliver({
      db,
      sub,
      event,
      topic: 'orders',
      policy: { ...retryPolicyDefault, attemptsMax: 2, backoffBaseMs: 1 },
      sleep: async () => undefined,
    });
    expect(outcome).toBe('dead-lettered');
  });
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });

  it('lists the dead letter with its group, error and attempts, then replays it once', async () => {
    const listed = (await redemption('events', 'dlq', 'list')).stdout;
    expect(listed).toMatch(/group=mailer topic=orders type=test_happened/);
    expect(listed).toContain('attempts=2');
    expect(listed).toContain('smtp down');
    const id = /^(\S+)\s/.exec(listed)![1]!;
    expect((await redemption('events', 'dlq', 'replay', id)).stdout).toContain(`replayed ${id}`);
    const again = await redemption('events', 'dlq', 'replay', id).catch(
      (e: { stdout: string; code: number }) => e,
    );
    expect(again.stdout).toContain('no un-replayed dead letter');
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM kernel.outbox WHERE id = $1',
      [event.id],
    );
    expect(rows[0]!.n).toBe(1);
    expect((await redemption('events', 'dlq', 'list')).stdout).toContain('no dead letters');
  });
});
