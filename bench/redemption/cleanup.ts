/**
 * Things to undo at the end, newest first, each bounded in time; runs once even when both the
 * normal path and a signal handler ask for it.
 */
const stepMaxMs = 30_000;

interface Step {
  name: string;
  run: () => Promise<unknown>;
  done: boolean;
}

export interface Cleanup {
  /** Registers an undo step; returns a function that runs it now (and only once). */
  add(name: string, run: () => Promise<unknown>): () => Promise<void>;
  runAll(): Promise<void>;
}

async function runStep(step: Step): Promise<void> {
  if (step.done) return;
  step.done = true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${stepMaxMs} ms`)), stepMaxMs);
  });
  try {
    await Promise.race([step.run(), timeout]);
  } catch (err) {
    console.error(`cleanup: ${step.name} failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

export function createCleanup(): Cleanup {
  const steps: Step[] = [];
  let all: Promise<void> | undefined;
  return {
    add(name, run) {
      const step: Step = { name, run, done: false };
      steps.push(step);
      return () => runStep(step);
    },
    runAll() {
      all ??= (async () => {
        for (const step of [...steps].reverse()) await runStep(step);
      })();
      return all;
    },
  };
}
