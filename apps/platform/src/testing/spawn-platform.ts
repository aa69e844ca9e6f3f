import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReadySignal } from '@redemption/kernel';
import { readyBaseUrl, waitForReady } from '@redemption/kernel/testing';

const cliPath = fileURLToPath(new URL('../cli.ts', import.meta.url));
const readyTimeoutMs = 30_000;

export interface Running {
  child: ChildProcess;
  baseUrl: string;
  /** The process's ready line (see `announceReady`). */
  ready: ReadySignal;
  /** Everything the process wrote to stderr so far (the human banner). */
  stderr: () => string;
  /** Everything the process wrote to stdout so far (the JSON log lines). */
  stdout: () => string;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** A command that runs it (chaos: `ip netns exec <ns>`, which execs node in place). */
  prefix?: readonly string[];
  /** How long to wait for the ready line (default 30 s). */
  readyTimeoutMs?: number;
}

/** Runs the real CLI (`redemption <args>`) on a free port and waits for its ready line. */
export async function spawnPlatform(
  args: string[],
  env: Record<string, string>,
  o: SpawnOptions = {},
): Promise<Running> {
  const [command, ...rest] = [...(o.prefix ?? []), process.execPath, cliPath, ...args];
  const child = spawn(command!, rest, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = await waitForReady(child, {
    timeoutMs: o.readyTimeoutMs ?? readyTimeoutMs,
    output: () => stderr,
  }).catch((err: unknown) => {
    child.kill('SIGKILL'); // not left running behind the caller's error
    throw err;
  });
  // The banner is written before the ready line; let its bytes be read before callers look.
  await new Promise((resolve) => setImmediate(resolve));
  return {
    child,
    baseUrl: readyBaseUrl(ready),
    ready,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
  };
}
