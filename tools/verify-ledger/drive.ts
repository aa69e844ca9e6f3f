import type { Cluster } from './cluster.ts';
import type { Rng } from './prng.ts';
import type { Runner } from './runner.ts';
import { nextOp, type Model, type OpSpec } from './workload.ts';

/** Share of ops sent twice with the same key and body. */
const duplicateRate = 0.05;
/** A "later" duplicate is re-sent this many ops after the original, at most. */
const laterDuplicateOpsMax = 500;
const progressSteps = 10;

export interface DriveOptions {
  ops: number;
  kills: number;
  processes: number;
  keyPrefix: string;
}

/**
 * Sends `ops` operations drawn from `rng`, paced by the runner's in-flight limit, with
 * duplicate submissions and `kills` kill -9s of random loyalty processes spread over the run.
 */
export async function drive(
  rng: Rng,
  model: Model,
  runner: Runner,
  cluster: Cluster,
  o: DriveOptions,
): Promise<void> {
  const tasks = new Set<Promise<unknown>>();
  const later: Array<{ at: number; spec: OpSpec }> = [];
  const killAt = new Set(
    Array.from({ length: o.kills }, (_, k) => Math.floor((o.ops * (k + 1)) / (o.kills + 1))),
  );
  let killing: Promise<void> = Promise.resolve();
  const track = (p: Promise<unknown>): void => {
    tasks.add(p);
    const done = () => tasks.delete(p);
    void p.then(done, done);
  };

  const started = performance.now();
  const progressEvery = Math.max(1, Math.floor(o.ops / progressSteps));
  for (let i = 0; i < o.ops; i++) {
    if (i > 0 && i % progressEvery === 0) {
      const s = ((performance.now() - started) / 1000).toFixed(1);
      process.stderr.write(`  ${i}/${o.ops} ops drawn, ${tasks.size} in progress, ${s} s\n`);
    }
    await runner.limiter.acquire(); // pace: wait for a free slot before drawing the next op
    runner.limiter.release();
    for (let j = later.length - 1; j >= 0; j--) {
      if (later[j]!.at > i) continue;
      track(runner.submit(later[j]!.spec));
      later.splice(j, 1);
    }
    if (killAt.has(i)) {
      const victim = rng.int(0, o.processes - 1);
      killing = killing.then(async () => {
        runner.stats.kills++;
        await cluster.killAndRestart(victim);
      });
    }
    const spec = nextOp(rng, model, `${o.keyPrefix}-${i}`);
    track(runner.submit(spec));
    if (rng.chance(duplicateRate)) {
      if (rng.chance(0.5)) {
        runner.stats.duplicatesConcurrent++;
        track(runner.submit(spec));
      } else {
        runner.stats.duplicatesLater++;
        later.push({ at: i + rng.int(1, laterDuplicateOpsMax), spec });
      }
    }
  }
  for (const l of later) track(runner.submit(l.spec));
  await killing;
  await Promise.all([...tasks]);
}
