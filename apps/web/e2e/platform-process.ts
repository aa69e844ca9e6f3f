import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readyBaseUrl, waitForReady } from '@redemption/kernel/ready';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** A first `npm start` builds the web app (tens of seconds on a busy machine) before listening. */
export const platformReadyTimeoutMs = 240_000;
const stopTimeoutMs = 15_000;

export interface RunningPlatform {
  baseUrl: string;
  adminPassword: string;
  /** Everything written to stderr so far (the banner). */
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * `npm start` exactly as a person runs it (prestart builds the web app when stale), in its own
 * process group, on a free port and a temporary data directory; the embedded database even when
 * the environment names a PostgreSQL.
 */
export async function startPlatform(): Promise<RunningPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'redemption-e2e-'));
  const adminPassword = 'admin password for the browser tests';
  const npmCli = process.env['npm_execpath'];
  const [cmd, args] = npmCli?.endsWith('.js')
    ? [process.execPath, [npmCli, 'start']]
    : ['npm', ['start']];
  const child: ChildProcess = spawn(cmd, args, {
    cwd: repoRoot,
    detached: true, // its own process group, so stop() ends npm and the node it started
    stdio: ['ignore', 'pipe', 'pipe'], // stdout: the ready line (npm's own lines are skipped)
    env: {
      ...process.env,
      NODE_ENV: 'production', // as deployed, not vitest's `test`
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      REDIS_URL: '',
      EVENT_TRANSPORT: 'pg',
      ADMIN_PASSWORD: adminPassword,
      LOG_LEVEL: 'warn',
      // Room for the journeys' many sign-ins from one IP.
      LOGIN_RATE_PER_IP_PER_MIN: '10000',
      LOGIN_RATE_PER_IP_ACCOUNT_PER_15MIN: '1000', // the admin signs in once per journey
      REGISTER_RATE_PER_IP_PER_HOUR: '10000',
    },
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const ready = await waitForReady(child, {
    timeoutMs: platformReadyTimeoutMs,
    output: () => stderr,
  });
  const baseUrl = readyBaseUrl(ready);
  return {
    baseUrl,
    adminPassword,
    stderr: () => stderr,
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      const timeout = new Promise((r) => setTimeout(r, stopTimeoutMs, 'timeout'));
      if ((await Promise.race([exited, timeout])) === 'timeout') {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
