import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BusEnv } from './bus-harness.ts';

const childPath = fileURLToPath(new URL('./consumer-child.ts', import.meta.url));
const waitMaxMs = 90_000;

export interface Child {
  proc: ChildProcess;
  /** Resolves when a stdout line matches (count: how many matching lines). */
  waitFor(pattern: RegExp, count?: number): Promise<void>;
  exited: Promise<number | null>;
}

export function startChild(env: BusEnv, vars: Record<string, string>): Child {
  const proc = spawn(process.execPath, [childPath], {
    env: { ...process.env, BUS_ENV: JSON.stringify(env), ...vars },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const waiters: Array<() => void> = [];
  proc.stdout!.on('data', (b: Buffer) => {
    lines.push(...b.toString().split('\n').filter(Boolean));
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return {
    proc,
    exited,
    waitFor(pattern, count = 1) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child never printed ${pattern} x${count}; stderr:\n${stderr}`)),
          waitMaxMs,
        );
        const check = (): void => {
          if (lines.filter((l) => pattern.test(l)).length >= count) {
            clearTimeout(timer);
            resolve();
          } else waiters.push(check);
        };
        void exited.then((code) =>
          reject(new Error(`child exited ${code} before ${pattern}; stderr:\n${stderr}`)),
        );
        check();
      });
    },
  };
}

export async function kill9(c: Child): Promise<void> {
  c.proc.kill('SIGKILL');
  await c.exited;
}

export async function stopGracefully(c: Child): Promise<number | null> {
  c.proc.kill('SIGTERM');
  return c.exited;
}
