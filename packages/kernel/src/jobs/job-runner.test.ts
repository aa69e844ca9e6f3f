import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { jitteredDelayMs, startJobs, type Job, type JobRunner } from './job-runner.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const silent = pino({ level: 'silent' });

/** The value of `name{job="<job>"}` (a histogram's `_count` for duration). */
async function metric(registry: Registry, name: string, job: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{job="${job}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

let runner: JobRunner | undefined;
afterEach(async () => {
  await runner?.stop();
  runner = undefined;
});

describe('startJobs', () => {
  it('never starts a run while the previous one of the same job is still going', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const slow: Job = {
      name: 'test.slow',
      everyMs: 2,
      runAtStart: true,
      run: async () => {
        running++;
        most = Math.max(most, running);
        runs++;
        await sleep(25);
        running--;
      },
    };
    runner = startJobs([slow], { log: silent, registry: new Registry() });
    await sleep(150);
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(most).toBe(1);
  });

  it('counts runs, failures and durations per job, logs a failure and keeps going', async () => {
    const registry = new Registry();
    const warnings: unknown[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    let calls = 0;
    const flaky: Job = {
      name: 'test.flaky',
      everyMs: 5,
      runAtStart: true,
      run: async () => {
        calls++;
        if (calls % 2 === 1) throw new Error('database away');
      },
    };
    runner = startJobs([flaky], { log, registry });
    while (calls < 4) await sleep(5);
    await runner.stop();
    const runs = await metric(registry, 'background_job_runs_total', 'test.flaky');
    expect(runs).toBe(calls);
    expect(await metric(registry, 'background_job_failures_total', 'test.flaky')).toBe(
      Math.ceil(calls / 2),
    );
    expect(await metric(registry, 'background_job_duration_seconds_count', 'test.flaky')).toBe(
      runs,
    );
    expect(String(warnings[0])).toContain('"job":"test.flaky"');
    expect(String(warnings[0])).toContain('background job failed');
  });

  it('stop aborts the run in flight, waits for it and starts no other', async () => {
    let started = 0;
    let finished = false;
    let aborted = false;
    const registry = new Registry();
    const job: Job = {
      name: 'test.long',
      everyMs: 1,
      runAtStart: true,
      run: async (signal) => {
        started++;
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          }),
        );
        await sleep(20); // still cleaning up after the abort: stop must wait for this
        finished = true;
        throw new Error('aborted'); // not a failure: the platform is closing
      },
    };
    runner = startJobs([job], { log: silent, registry });
    await sleep(10);
    await runner.stop();
    expect({ aborted, finished, started }).toEqual({ aborted: true, finished: true, started: 1 });
    await sleep(20);
    expect(started).toBe(1);
    expect(await metric(registry, 'background_job_failures_total', 'test.long')).toBe(0);
  });

  it('waits a first pause unless the job asks to run at start', async () => {
    const ran: string[] = [];
    const job = (name: string, runAtStart: boolean): Job => ({
      name,
      everyMs: 60_000,
      runAtStart,
      run: async () => void ran.push(name),
    });
    runner = startJobs([job('test.now', true), job('test.later', false)], {
      log: silent,
      registry: new Registry(),
    });
    await sleep(30);
    expect(ran).toEqual(['test.now']);
  });

  it('refuses two jobs with one name (their metrics would merge)', () => {
    const job: Job = { name: 'test.twice', everyMs: 10, run: async () => undefined };
    expect(() => startJobs([job, job], { log: silent, registry: new Registry() })).toThrow(
      /test\.twice/,
    );
  });
});

describe('jitteredDelayMs', () => {
  it('stays within ±10% of everyMs', () => {
    expect(jitteredDelayMs(1_000, () => 0)).toBe(900);
    expect(jitteredDelayMs(1_000, () => 0.5)).toBe(1_000);
    expect(jitteredDelayMs(1_000, () => 0.999_999)).toBe(1_100);
    for (let i = 0; i < 100; i++) {
      const d = jitteredDelayMs(30_000);
      expect(d).toBeGreaterThanOrEqual(27_000);
      expect(d).toBeLessThanOrEqual(33_000);
    }
  });
});
