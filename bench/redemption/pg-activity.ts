/**
 * Where the service's database connections spend their time: pg_stat_activity (this database
 * only) sampled every
 * `sampleEveryMs`, each connection counted as idle (waiting for work), idle in transaction
 * (the database waits for Node between statements), or active with its wait event (CPU when
 * none: PostgreSQL is executing; IO:WALSync: waiting for the commit's fsync; Lock:...).
 */
import pg from 'pg';

const sampleEveryMs = 50;
const stopWaitMs = 5_000;

/** Server processes that are not a client's backend (WAL writer, checkpointer, ...). */
const sharedBackendTypes = new Set([
  'walwriter',
  'checkpointer',
  'background writer',
  'autovacuum launcher',
  'logical replication launcher',
]);

interface Row {
  pid: number;
  ours: boolean;
  backend_type: string;
  application_name: string;
  state: string;
  wait_event_type: string | null;
  wait_event: string | null;
}

export interface ActivityWatch {
  /** Backends of this database and the server's shared processes: the CPU that is ours. */
  ourPids: Set<number>;
  /** Mean number of connections in each state over the phase, largest first. */
  stop(): Promise<Array<[string, number]>>;
}

const stateOf = (r: Row): string =>
  r.state !== 'active'
    ? r.state
    : r.wait_event_type
      ? `active ${r.wait_event_type}:${r.wait_event}`
      : 'active CPU';

export async function watchActivity(url: string, applicationName: string): Promise<ActivityWatch> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-activity' });
  await client.connect();
  const counts = new Map<string, number>();
  const ourPids = new Set<number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await client.query<Row>(
        `SELECT pid, datname IS NOT DISTINCT FROM current_database() AS ours, backend_type,
                application_name, state, wait_event_type, wait_event FROM pg_stat_activity`,
      );
      samples++;
      for (const r of rows) {
        if (r.ours || sharedBackendTypes.has(r.backend_type)) ourPids.add(r.pid);
        if (!r.ours || r.application_name !== applicationName) continue;
        counts.set(stateOf(r), (counts.get(stateOf(r)) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, sampleEveryMs));
    }
  })();
  return {
    ourPids,
    async stop() {
      running = false;
      await Promise.race([loop, new Promise((r) => setTimeout(r, stopWaitMs))]).catch(
        () => undefined,
      );
      await client.end().catch(() => undefined);
      return [...counts.entries()]
        .map(([k, n]): [string, number] => [k, n / Math.max(1, samples)])
        .sort((a, b) => b[1] - a[1]);
    },
  };
}
