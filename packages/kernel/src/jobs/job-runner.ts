import type { FastifyBaseLogger } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * A background job a service module declares (`ServiceInstance.jobs`); the kernel owns its
 * loop. The run does one round of work and returns; the kernel decides when the next starts.
 */
export interface Job {
  /** Unique in the process (`<module>.<what>`): the `job` label of its metrics and log lines. */
  name: string;
  /** Pause between the end of one run and the start of the next, before jitter. */
  everyMs: number;
  /** A first run as soon as the platform is up, instead of after a first pause. */
  runAtStart?: boolean;
  /** One round. `signal` aborts when the platform closes; a throw is logged and counted. */
  run(signal: AbortSignal): Promise<unknown>;
}

export interface JobRunner {
  /** No run starts after this; resolves once the runs in flight have finished. */
  stop(): Promise<void>;
}

/**
 * Each pause is `everyMs` ± this share, so pods started together (a deploy) drift apart
 * instead of sweeping the same rows in lock step.
 */
export const jobJitterRatio = 0.1;
const durationBucketsS = [0.001, 0.005, 0.025, 0.1, 0.5, 2.5, 10, 60, 300];

/** The pause before a job's next run: `everyMs` ± jitter; `random` is in [0, 1). */
export const jitteredDelayMs = (everyMs: number, random: () => number = Math.random): number =>
  Math.max(0, Math.round(everyMs * (1 + (random() * 2 - 1) * jobJitterRatio)));

function jobMetrics(registry: Registry) {
  return {
    runs: new Counter({
      name: 'background_job_runs_total',
      help: 'background job runs started, by job',
      labelNames: ['job'],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'background_job_failures_total',
      help: 'background job runs that threw, by job',
      labelNames: ['job'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'background_job_duration_seconds',
      help: 'time one background job run took, by job',
      labelNames: ['job'],
      buckets: durationBucketsS,
      registers: [registry],
    }),
  };
}

export interface JobRunnerOptions {
  log: FastifyBaseLogger;
  registry: Registry;
  /** Test seam for the jitter. */
  random?: () => number;
}

/**
 * Runs every job on its own timer: the next run is scheduled only when the previous one has
 * finished, so a slow run is never piled on (no overlap) and a stop waits for at most one run
 * per job. Timers are unref'd: jobs never keep a process alive.
 */
export function startJobs(jobs: readonly Job[], opts: JobRunnerOptions): JobRunner {
  const names = jobs.map((j) => j.name);
  const repeated = names.find((n, i) => names.indexOf(n) !== i);
  if (repeated) throw new Error(`two background jobs are named ${repeated}`);
  const metrics = jobMetrics(opts.registry);
  // Every declared job shows in /metrics from the start: "0 runs" is alertable, absent is not.
  for (const job of jobs) {
    metrics.runs.inc({ job: job.name }, 0);
    metrics.failures.inc({ job: job.name }, 0);
    metrics.duration.zero({ job: job.name });
  }
  const stopping = new AbortController();
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();

  const runOnce = async (job: Job): Promise<void> => {
    metrics.runs.inc({ job: job.name });
    const done = metrics.duration.startTimer({ job: job.name });
    try {
      await job.run(stopping.signal);
    } catch (err) {
      // A run cut short by the stop is expected, not a failure.
      if (stopping.signal.aborted) return;
      metrics.failures.inc({ job: job.name });
      opts.log.warn({ err, job: job.name }, 'background job failed');
    } finally {
      done();
    }
  };
  const schedule = (job: Job, delayMs: number): void => {
    if (stopping.signal.aborted) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopping.signal.aborted) return;
      const run = runOnce(job);
      inFlight.add(run);
      void run.finally(() => {
        inFlight.delete(run);
        schedule(job, jitteredDelayMs(job.everyMs, opts.random));
      });
    }, delayMs);
    timer.unref();
    timers.add(timer);
  };
  for (const job of jobs)
    schedule(job, job.runAtStart ? 0 : jitteredDelayMs(job.everyMs, opts.random));

  return {
    async stop() {
      stopping.abort();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...inFlight]);
    },
  };
}
