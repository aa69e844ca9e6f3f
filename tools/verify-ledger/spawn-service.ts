import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readyBaseUrl, waitForReady } from '@redemption/kernel/testing';

export const cliPath = fileURLToPath(new URL('../../apps/platform/src/cli.ts', import.meta.url));
const readyTimeoutMs = 60_000;

export interface Service {
  child: ChildProcess;
  baseUrl: string;
  exited: Promise<number | null>;
}

/**
 * `redemption <args>` on 127.0.0.1 (PORT from env, 0 for any), like the platform's own test
 * helper: ready when it writes its ready line. Its JSON logs (stdout) and banner (stderr) are
 * appended to `logFile`, so a 500 seen by the harness can be traced to its request id.
 */
export async function spawnService(
  args: string[],
  env: Record<string, string>,
  logFile: string,
): Promise<Service> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  let banner = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    banner += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      log.end();
      resolve(code);
    }),
  );
  const ready = await waitForReady(child, { timeoutMs: readyTimeoutMs, output: () => banner });
  const baseUrl = readyBaseUrl(ready);
  return { child, baseUrl, exited };
}
