/** Forks the load-generator processes, splits a job between them and merges their results. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, Job, JobResult, Sample, ToWorker } from './load-types.ts';

const workerPath = fileURLToPath(new URL('./load-worker.ts', import.meta.url));
const readyTimeoutMs = 30_000;
/** A job may take its duration plus this long (draining, slow tail) before it is abandoned. */
const jobSlackMs = 120_000;
const exitWaitMs = 5_000;

export interface Merged {
  statuses: Record<string, number>;
  /** Sorted ascending, milliseconds. */
  latencies: Float64Array;
  elapsedMs: number;
  samples: Sample[];
  /** 429s the client sent again after Retry-After (jobs with shedRetriesMax). */
  shedRetries: number;
  count(status: number): number;
  total: number;
}

export interface LoadPool {
  pids: number[];
  /** Runs `job` split across the workers: members, concurrency, rate and count divided. */
  run(job: Job): Promise<Merged>;
  close(): Promise<void>;
}

function ask(child: ChildProcess, msg: ToWorker, timeoutMs: number): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`load worker ${child.pid} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: FromWorker): void => {
      cleanup();
      if (m.type === 'error') reject(new Error(`load worker ${child.pid}: ${m.message}`));
      else resolve(m);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`load worker ${child.pid} exited with ${code}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(msg);
  });
}

function split(job: Job, w: number, of: number): Job {
  const span = job.to - job.from;
  const from = job.from + Math.floor((span * w) / of);
  const to = job.from + Math.floor((span * (w + 1)) / of);
  const share = (n: number): number => Math.floor((n * (w + 1)) / of) - Math.floor((n * w) / of);
  return {
    ...job,
    from,
    to,
    concurrency: Math.max(1, share(job.concurrency)),
    requestsMax: job.cycle ? share(job.requestsMax) : Math.min(share(job.requestsMax), to - from),
    ...(job.ratePerS ? { ratePerS: job.ratePerS / of } : {}),
  };
}

function merge(results: JobResult[]): Merged {
  const statuses: Record<string, number> = {};
  for (const r of results)
    for (const [k, n] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + n;
  const all = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
  let at = 0;
  for (const r of results) {
    all.set(r.latencies, at);
    at += r.latencies.length;
  }
  all.sort();
  const started = Math.min(...results.map((r) => r.startedAtMs));
  const ended = Math.max(...results.map((r) => r.endedAtMs));
  return {
    statuses,
    latencies: all,
    elapsedMs: ended - started,
    samples: results.flatMap((r) => r.samples),
    shedRetries: results.reduce((n, r) => n + r.shedRetries, 0),
    count: (status) => statuses[String(status)] ?? 0,
    total: Object.values(statuses).reduce((a, b) => a + b, 0),
  };
}

export async function startLoadPool(workers: number, membersFile: string): Promise<LoadPool> {
  const children = Array.from({ length: workers }, () =>
    fork(workerPath, [], { execPath: process.execPath, serialization: 'advanced' }),
  );
  const close = async (): Promise<void> => {
    await Promise.all(
      children.map(async (c) => {
        if (c.exitCode !== null || c.signalCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        if (c.connected) c.send({ type: 'exit' } satisfies ToWorker);
        const timer = setTimeout(() => c.kill('SIGKILL'), exitWaitMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  };
  try {
    await Promise.all(children.map((c) => ask(c, { type: 'init', membersFile }, readyTimeoutMs)));
  } catch (err) {
    await close();
    throw err;
  }
  return {
    pids: children.map((c) => c.pid!),
    async run(job) {
      const answers = await Promise.all(
        children.map((c, w) =>
          ask(c, { type: 'job', job: split(job, w, workers) }, job.durationMs + jobSlackMs),
        ),
      );
      return merge(answers.map((a) => (a as Extract<FromWorker, { type: 'result' }>).result));
    },
    close,
  };
}

export const percentile = (sorted: Float64Array, p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
