import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../apps/platform/src/cli.ts', import.meta.url));
const readyTimeoutMs = 60_000;

export interface Service {
  child: ChildProcess;
  baseUrl: string;
  exited: Promise<number | null>;
}

/**
 * `redemption <args>` on 127.0.0.1 (PORT from env, 0 for any), like the platform's own test
 * helper, but its JSON logs (stdout) and banner (stderr) are appended to `logFile`, so a 500
 * seen by the harness can be traced to its request id.
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
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      log.end();
      resolve(code);
    }),
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready within ${readyTimeoutMs} ms:\n${banner}`)),
      readyTimeoutMs,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      banner += chunk.toString();
      const m = /home\s+(http:\/\/\S+?)\/\s/.exec(banner);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1].replace('//localhost:', '//127.0.0.1:'));
      }
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before ready:\n${banner}`)));
  });
  return { child, baseUrl, exited };
}
