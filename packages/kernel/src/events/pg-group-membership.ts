import type { Db } from '../db/db.ts';

export interface PartitionRef {
  topic: string;
  partition: number;
}

/**
 * One heartbeat's outcome. `kept`: owned without a break since this member's previous
 * heartbeat (only this member's own heartbeat can make it the owner again, so a partition it
 * lost meanwhile shows up as `claimed`, never as `kept`): an offset held in memory is still
 * the row's. `claimed`: taken now; its offset must be read from the row.
 */
export interface Ownership {
  kept: PartitionRef[];
  claimed: PartitionRef[];
}

export interface MembershipOptions {
  db: Db;
  group: string;
  memberId: string;
  topics: readonly string[];
  partitions: (topic: string) => number;
  leaseMs: number;
}

/**
 * Consumer-group membership for the pg transport, in two small tables. Every member heartbeats;
 * each takes a fair share (ceil(partitions / live members)) of partitions that are free or
 * whose owner's lease ran out, and gives back what it holds beyond its share. A member that
 * dies simply stops renewing; its partitions are taken over after one lease.
 */
export function createMembership(o: MembershipOptions) {
  const totalPartitions = o.topics.reduce((n, t) => n + o.partitions(t), 0);

  async function ensurePartitionRows(): Promise<void> {
    for (const topic of o.topics) {
      await o.db.query(
        `INSERT INTO kernel.consumer_partitions (group_name, topic, partition)
         SELECT $1, $2, p FROM generate_series(0, $3 - 1) AS p ON CONFLICT DO NOTHING`,
        [o.group, topic, o.partitions(topic)],
      );
    }
  }

  /** Heartbeat and rebalance; returns the partitions this member owns now, kept and claimed. */
  async function heartbeat(): Promise<Ownership> {
    return o.db.tx(async (q) => {
      const lease = [o.leaseMs];
      await q.query(
        `INSERT INTO kernel.consumer_members (group_name, member_id, seen_until) VALUES ($1, $2, now() + $3 * interval '1 millisecond')
         ON CONFLICT (group_name, member_id) DO UPDATE SET seen_until = EXCLUDED.seen_until`,
        [o.group, o.memberId, ...lease],
      );
      await q.query(
        `DELETE FROM kernel.consumer_members WHERE group_name = $1 AND seen_until < now() - interval '1 minute'`,
        [o.group],
      );
      const live = await q.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM kernel.consumer_members WHERE group_name = $1 AND seen_until > now()',
        [o.group],
      );
      const fairShare = Math.ceil(totalPartitions / Math.max(1, live.rows[0]?.n ?? 1));
      const owned = await q.query<PartitionRef>(
        `UPDATE kernel.consumer_partitions SET lease_until = now() + $3 * interval '1 millisecond'
         WHERE group_name = $1 AND owner = $2 RETURNING topic, partition`,
        [o.group, o.memberId, ...lease],
      );
      let mine = owned.rows;
      if (mine.length > fairShare) {
        const extra = mine.slice(fairShare);
        for (const p of extra) await release(q, p);
        mine = mine.slice(0, fairShare);
      } else if (mine.length < fairShare) {
        const claimed = await q.query<PartitionRef>(
          `UPDATE kernel.consumer_partitions SET owner = $2, lease_until = now() + $3 * interval '1 millisecond'
           WHERE (group_name, topic, partition) IN (
             SELECT group_name, topic, partition FROM kernel.consumer_partitions
             WHERE group_name = $1 AND topic = ANY($5) AND (owner IS NULL OR lease_until < now())
             ORDER BY topic, partition LIMIT $4 FOR UPDATE SKIP LOCKED)
           RETURNING topic, partition`,
          [o.group, o.memberId, ...lease, fairShare - mine.length, o.topics],
        );
        return { kept: mine, claimed: claimed.rows };
      }
      return { kept: mine, claimed: [] };
    });
  }

  async function release(q: Pick<Db, 'query'>, p: PartitionRef): Promise<void> {
    await q.query(
      `UPDATE kernel.consumer_partitions SET owner = NULL, lease_until = NULL
       WHERE group_name = $1 AND topic = $2 AND partition = $3 AND owner = $4`,
      [o.group, p.topic, p.partition, o.memberId],
    );
  }

  /** Leaves the group at once so others take over without waiting for the lease. */
  async function leave(): Promise<void> {
    await o.db.query(
      'UPDATE kernel.consumer_partitions SET owner = NULL, lease_until = NULL WHERE group_name = $1 AND owner = $2',
      [o.group, o.memberId],
    );
    await o.db.query(
      'DELETE FROM kernel.consumer_members WHERE group_name = $1 AND member_id = $2',
      [o.group, o.memberId],
    );
  }

  return { ensurePartitionRows, heartbeat, leave };
}
