/**
 * Where the CPU went during a phase: /proc sampled every `sampleEveryMs`, each process's
 * utime+stime difference between consecutive samples summed by group (so short-lived processes
 * such as pgbench's backends count while they live). Linux only.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const sampleEveryMs = 500;
const ticksPerS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * 'bench': the load generators and this process (probes); 'postgres': this database's backends
 * and the server's shared processes (WAL writer, checkpointer); 'other': everything else,
 * including other databases' backends (other people's tests on a shared machine).
 */
export type Group = 'service' | 'bench' | 'postgres' | 'pgbench' | 'other';

export interface CpuReport {
  seconds: number;
  /** Cores busy on average, by group. */
  cores: Record<Group, number>;
  /** Whole machine: busy cores (user+system+irq) and cores waiting on I/O. */
  machineBusy: number;
  machineIowait: number;
}

interface Snapshot {
  at: number;
  procs: Map<number, { comm: string; ticks: number }>;
  busy: number;
  iowait: number;
}

function readProcs(): Snapshot['procs'] {
  const procs: Snapshot['procs'] = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      procs.set(Number(name), { comm, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended between readdir and read
    }
  }
  return procs;
}

function snapshot(): Snapshot {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1);
  const [user, nice, system, , iowait, irq, softirq, steal] = cpu.map(Number);
  return {
    at: performance.now(),
    procs: readProcs(),
    busy: user! + nice! + system! + irq! + softirq! + steal!,
    iowait: iowait!,
  };
}

export interface CpuWatch {
  stop(): CpuReport;
}

/** Starts sampling; `classify` names the group of a pid the bench knows (pgbench by command). */
export function watchCpu(classify: (pid: number) => Group | undefined): CpuWatch {
  const first = snapshot();
  let prev = first;
  const ticks: Record<Group, number> = {
    service: 0,
    bench: 0,
    postgres: 0,
    pgbench: 0,
    other: 0,
  };
  const step = (): void => {
    const now = snapshot();
    for (const [pid, p] of now.procs) {
      const before = prev.procs.get(pid);
      if (!before || before.comm !== p.comm) continue;
      const group =
        classify(pid) ??
        (pid === process.pid ? 'bench' : undefined) ??
        (p.comm === 'pgbench' ? 'pgbench' : 'other');
      ticks[group] += p.ticks - before.ticks;
    }
    prev = now;
  };
  const timer = setInterval(step, sampleEveryMs);
  return {
    stop() {
      clearInterval(timer);
      step();
      const seconds = (prev.at - first.at) / 1_000;
      const cores = Object.fromEntries(
        Object.entries(ticks).map(([g, t]) => [g, t / ticksPerS / seconds]),
      ) as Record<Group, number>;
      return {
        seconds,
        cores,
        machineBusy: (prev.busy - first.busy) / ticksPerS / seconds,
        machineIowait: (prev.iowait - first.iowait) / ticksPerS / seconds,
      };
    },
  };
}
