/**
 * The faults, one phase each: the fault for its stated time under the load, the way back, then
 * (load paused) the invariants. A fault whose means are missing is a row saying why.
 */
import type { Cluster } from './chaos-cluster.ts';
import { netnsService, serviceNames } from './chaos-cluster.ts';
import type { Infra } from './chaos-infra.ts';
import { invariants } from './chaos-invariants.ts';
import { newTally, type Load } from './chaos-load.ts';
import type { Row } from './chaos-report.ts';

export interface Profile {
  workers: number;
  steadyMs: number;
  /** How long a service, Redis, PostgreSQL or the broker stays down. */
  faultMs: number;
  /** Load after the way back, before the invariants. */
  afterMs: number;
  /** How long the latency and loss last. */
  degradedMs: number;
  /** Run a broker of chaos's own (the Kafka fault), else the PostgreSQL event log. */
  kafka: boolean;
  /** The services killed with -9 in turn (each restart costs a process start-up). */
  killed: readonly string[];
}

/** The latency and loss fault: added one way (a round trip gains twice), and the share lost. */
export const delayOneWayMs = 100;
export const lossPct = 5;
/** Between two processes of the rolling restart: the next SIGTERM waits this after a start. */
const rollPauseMs = 1_000;

export interface Ctx {
  load: Load;
  cluster: Cluster;
  infra: Infra;
  p: Profile;
}

/** Returns when the fault ended (the restart, the heal), for the time to recover; null: none. */
type Act = () => Promise<number | null>;
const say = (line: string) => void process.stderr.write(`${line}\n`);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function phase(fault: string, ctx: Ctx, act: Act): Promise<Row> {
  const { load } = ctx;
  load.tally = newTally();
  say(`chaos: ${fault}`);
  const restoredAt = await act();
  const tally = load.tally;
  await load.pause();
  // Recovered: the first order that succeeded once the process or server was back.
  const firstOk = tally.ordersOkAt.find((t) => restoredAt !== null && t >= restoredAt);
  const recoverS =
    restoredAt === null ? '-' : firstOk ? ((firstOk - restoredAt) / 1000).toFixed(1) : 'not yet';
  const row = { fault, tally, recoverS, invariants: await invariants(ctx.infra.url) };
  load.resume();
  return row;
}

/** Down for faultMs, back up, load for afterMs; the time it came back. */
const downUp =
  (ctx: Ctx, down: () => Promise<void>, up: () => Promise<void>): Act =>
  async () => {
    await down();
    await wait(ctx.p.faultMs);
    const at = Date.now(); // from the restart: the start-up counts
    await up();
    await wait(ctx.p.afterMs);
    return at;
  };

/**
 * A rolling update as Kubernetes does it with maxSurge 1 and maxUnavailable 0: each process in
 * turn gets a replacement, ready before the old one is sent SIGTERM (it drains and exits).
 */
const rolling =
  (ctx: Ctx): Act =>
  async () => {
    let at = Date.now();
    for (const name of [...serviceNames, 'gateway']) {
      const code = await ctx.cluster.replace(name);
      if (code !== 0) say(`chaos: ${name} exited ${code} after SIGTERM (not a clean drain)`);
      at = Date.now();
      await wait(rollPauseMs);
    }
    await wait(ctx.p.afterMs);
    return at;
  };

const degraded =
  (ctx: Ctx): Act =>
  async () => {
    const { cluster, infra, p } = ctx;
    await infra.net.lose(cluster.netnsPort!, lossPct);
    cluster.delayProxy!.delayMs = delayOneWayMs;
    try {
      await wait(p.degradedMs);
    } finally {
      cluster.delayProxy!.delayMs = 0;
      await infra.net.heal();
    }
    const at = Date.now();
    await wait(p.afterMs);
    return at;
  };

export async function runPhases(ctx: Ctx): Promise<Row[]> {
  const { cluster: c, infra, p } = ctx;
  const s = p.faultMs / 1000;
  const rows: Row[] = [];
  const skip = (fault: string, why: string) => {
    say(`chaos: ${fault}: skipped (${why})`);
    rows.push({ fault, tally: newTally(), recoverS: '-', invariants: '-', skipped: why });
  };
  rows.push(await phase('none (steady load)', ctx, async () => (await wait(p.steadyMs), null)));
  for (const name of p.killed)
    rows.push(
      await phase(
        `kill -9 ${name}, ${s} s down`,
        ctx,
        downUp(
          ctx,
          () => c.kill(name),
          () => c.start(name),
        ),
      ),
    );
  rows.push(await phase(`Redis stopped, ${s} s`, ctx, downUp(ctx, c.stopRedis, c.startRedis)));
  const pgFault = `PostgreSQL stopped (pg_ctl stop -m fast), ${s} s`;
  if (infra.pg) rows.push(await phase(pgFault, ctx, downUp(ctx, infra.pg.halt, infra.pg.resume)));
  else skip(pgFault, infra.pgSkipped ?? 'no cluster');
  const kafkaFault = `Kafka broker stopped, ${s} s`;
  if (infra.kafka)
    rows.push(await phase(kafkaFault, ctx, downUp(ctx, infra.kafka.stop, infra.kafka.start)));
  else skip(kafkaFault, infra.kafkaSkipped ?? 'no broker');
  const netFault = `${netnsService}: +${2 * delayOneWayMs} ms round trip, ${lossPct}% packets lost, ${p.degradedMs / 1000} s`;
  if (c.delayProxy && c.netnsPort) rows.push(await phase(netFault, ctx, degraded(ctx)));
  else skip(netFault, infra.net.unavailable ?? 'no namespace');
  rows.push(await phase('rolling restart (replacement ready, then SIGTERM)', ctx, rolling(ctx)));
  return rows;
}
