/** pgbench's built-in TPC-B-like script against a temp database on the machine's PostgreSQL. */
import { execFile } from 'node:child_process';
import { createTempDatabase } from '@redemption/kernel/testing';
import type { Cleanup } from './cleanup.ts';
import { watchCpu, type CpuReport } from './cpu.ts';
import { checkpoint } from './machine.ts';
import { watchActivity } from './pg-activity.ts';

const initTimeoutMs = 300_000;
const runSlackMs = 60_000;

export interface PgbenchSpec {
  scale: number;
  clients: number;
  threads: number;
  seconds: number;
}

export interface PgbenchResult {
  spec: PgbenchSpec;
  tps: number;
  latencyMs: number;
  cpu: CpuReport;
  /** Mean number of pgbench's connections in each state. */
  db: Array<[string, number]>;
}

function pgbench(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('pgbench', args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err)
        reject(new Error(`pgbench ${args.slice(0, -1).join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const number = (out: string, re: RegExp): number => {
  const m = re.exec(out);
  if (!m?.[1]) throw new Error(`pgbench output lacks ${re}:\n${out}`);
  return Number(m[1]);
};

/** Initialises a fresh temp database at `scale`, then runs the default script; drops it after. */
export async function runPgbench(
  baseUrl: string,
  spec: PgbenchSpec,
  cleanup: Cleanup,
): Promise<PgbenchResult> {
  const temp = await createTempDatabase(baseUrl);
  const dropTemp = cleanup.add('drop pgbench database', () => temp.drop());
  try {
    await pgbench(['-i', '-q', '-s', String(spec.scale), temp.url], initTimeoutMs);
    await checkpoint(baseUrl);
    const activity = await watchActivity(temp.url, 'pgbench');
    const watch = watchCpu((pid) => (activity.ourPids.has(pid) ? 'postgres' : undefined));
    const out = await pgbench(
      [
        '-c',
        String(spec.clients),
        '-j',
        String(spec.threads),
        '-T',
        String(spec.seconds),
        temp.url,
      ],
      spec.seconds * 1_000 + runSlackMs,
    );
    const cpu = watch.stop();
    const db = await activity.stop();
    return {
      spec,
      tps: number(out, /tps = ([\d.]+) \(without initial connection time\)/),
      latencyMs: number(out, /latency average = ([\d.]+) ms/),
      cpu,
      db,
    };
  } finally {
    await dropTemp();
  }
}
