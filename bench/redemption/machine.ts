/** The machine and PostgreSQL settings the results depend on. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';

const gib = 1024 ** 3;
const pgSettings = [
  'fsync',
  'synchronous_commit',
  'wal_sync_method',
  'commit_delay',
  'shared_buffers',
  'max_connections',
] as const;

export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A checkpoint before each measured run, so none starts half-way through one by chance. */
export async function checkpoint(url: string): Promise<void> {
  await withPg(url, (c) => c.query('CHECKPOINT')).catch(() => undefined);
}

export async function describeMachine(url: string): Promise<string[]> {
  const [settings, version] = await withPg(url, async (c) => {
    const shown: string[] = [];
    for (const s of pgSettings) shown.push(`${s}=${(await c.query(`SHOW ${s}`)).rows[0][s]}`);
    const v = (await c.query('SHOW server_version')).rows[0].server_version as string;
    return [shown, v];
  });
  const cpu = cpus();
  return [
    `machine     ${cpu.length} cores (${cpu[0]?.model.trim() ?? '?'}), ${(totalmem() / gib).toFixed(1)} GiB RAM, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    `node        ${process.version}`,
    `postgresql  ${version} at ${new URL(url).host}: ${settings.join(', ')}`,
  ];
}

/** Peak and current resident set of a process, in MiB (VmHWM / VmRSS). */
export function memoryOf(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]);
  return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
}
