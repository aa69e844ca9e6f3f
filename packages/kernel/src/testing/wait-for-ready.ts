import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseReadySignal, type ReadySignal } from '../lifecycle/ready-signal.ts';

export interface WaitForReadyOptions {
  timeoutMs: number;
  /** What the process said so far (its stderr, say), shown when it never gets ready. */
  output?: () => string;
}

/**
 * Resolves with a spawned `redemption` process's ready signal (the `"event":"ready"` JSON line
 * on its stdout, see `announceReady`); rejects when it exits first or takes longer than
 * `timeoutMs`. Its stdout must be piped; other lines (logs, npm's header) are skipped, and
 * other listeners on stdout (a log file) still get everything.
 */
export function waitForReady(child: ChildProcess, opts: WaitForReadyOptions): Promise<ReadySignal> {
  const stdout = child.stdout;
  if (!stdout) throw new Error('waitForReady needs the child stdout piped');
  const said = () => (opts.output ? `:\n${opts.output()}` : '');
  return new Promise<ReadySignal>((resolve, reject) => {
    // Stays attached after the signal: it keeps reading stdout, so a child whose output nobody
    // else reads never blocks on a full pipe.
    const lines = createInterface({ input: stdout });
    const done = (fn: () => void) => {
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      lines.removeListener('line', onLine);
      fn();
    };
    const onLine = (line: string) => {
      const signal = parseReadySignal(line);
      if (signal) done(() => resolve(signal));
    };
    const onExit = (code: number | null, sig: string | null) =>
      done(() => reject(new Error(`exited (${code ?? sig}) before it was ready${said()}`)));
    const timer = setTimeout(
      () => done(() => reject(new Error(`not ready within ${opts.timeoutMs} ms${said()}`))),
      opts.timeoutMs,
    );
    lines.on('line', onLine);
    child.once('exit', onExit);
  });
}

/** The URL to call a ready process at: the first address it listens on. */
export const readyBaseUrl = (signal: ReadySignal): string => signal.listen[0] ?? signal.url;
