import { afterEach, describe, expect, it } from 'vitest';
import { createDb } from '../db/create-db.ts';
import { createTempDatabase, postgresGate } from '../testing/index.ts';
import { effects, eventually } from './testing/bus-harness.ts';
import { keyIn, offsetReads, startCountedConsumer } from './testing/log-consumer-harness.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)('pg log consumer: offsets held in memory (PostgreSQL)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('reads the offset again when it gets a partition back: what another member read is not delivered again', async () => {
    const temp = await createTempDatabase(gate.url!);
    cleanups.push(() => temp.drop());
    const c = await startCountedConsumer(
      { transport: 'pg', databaseUrl: temp.url },
      { group: 'h', pollMaxMs: 250, leaseMs: 1_500 },
    );
    cleanups.push(c.stop);
    const { db, topics } = c;
    const key = keyIn(0);
    await c.publish(key, 0);
    await eventually(async () => (await effects(db, 'h')).length === 1, 60_000, 'first effect');
    const part = ['h', topics[0], 0];

    // A transaction older than what follows keeps it unreadable, so m1 neither reads it nor
    // hits the fence: only its heartbeat can tell it that partition 0 changed hands.
    const other = await createDb({ databaseUrl: temp.url, dataDir: 'memory://', poolMax: 1 });
    cleanups.push(() => other.close());
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let began!: () => void;
    const hasXid = new Promise<void>((r) => (began = r));
    const older = other.tx(async (q) => {
      await q.query('SELECT pg_current_xact_id()');
      began();
      await released;
    });
    try {
      await hasXid;
      await c.publish(key, 1);
      // Another member takes partition 0, reads that event and leaves, all at once.
      await db.query(
        `UPDATE kernel.consumer_partitions SET owner = NULL, lease_until = NULL,
           (offset_txid, offset_position) = (SELECT txid, position FROM kernel.outbox
             WHERE topic = $2 AND partition = $3 ORDER BY txid DESC, position DESC LIMIT 1)
         WHERE group_name = $1 AND topic = $2 AND partition = $3`,
        part,
      );
      await eventually(
        async () =>
          (
            await db.query(
              `SELECT 1 FROM kernel.consumer_partitions
               WHERE group_name = $1 AND topic = $2 AND partition = $3 AND owner = 'm1'`,
              part,
            )
          ).rows.length === 1,
        30_000,
        'm1 to claim partition 0 again',
      );
    } finally {
      release();
      await older;
    }
    await c.publish(key, 2);
    // Per-partition order: had m1 read from its old offset, seq 1 would come before seq 2.
    await eventually(
      async () => (await effects(db, 'h')).some((e) => e.seq === 2),
      60_000,
      'the later event',
    );
    expect((await effects(db, 'h')).map((e) => e.seq)).toEqual([0, 2]);
    expect(offsetReads(c.seen)).toBeGreaterThanOrEqual(2);
  });
});
