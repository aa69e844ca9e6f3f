import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cliPath = fileURLToPath(new URL('../cli.ts', import.meta.url));
const readyTimeoutMs = 30_000;

export interface Running {
  child: ChildProcess;
  baseUrl: string;
  /** Everything the process wrote to stderr so far (the human banner). */
  stderr: () => string;
  /** Everything the process wrote to stdout so far (the JSON log lines). */
  stdout: () => string;
  exited: Promise<number | null>;
}

/** Runs the real CLI (`redemption <args>`) on a free port and waits until it says it is ready. */
export async function spawnPlatform(args: string[], env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready within ${readyTimeoutMs} ms:\n${stderr}`)),
      readyTimeoutMs,
    );
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /home\s+(http:\/\/\S+?)\/\s/.exec(stderr);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then((code) => reject(new Error(`exited with ${code} before ready:\n${stderr}`)));
  });
  return { child, baseUrl, stderr: () => stderr, stdout: () => stdout, exited };
}
