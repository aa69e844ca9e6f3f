/** `redemption start` for a bench: its own temp database's URL, the bench admin, no per-IP throttles. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readyBaseUrl, waitForReady } from '@redemption/kernel/testing';
import type { createCleanup } from '../redemption/cleanup.ts';

const cli = fileURLToPath(new URL('../../apps/platform/src/cli.ts', import.meta.url));
const readyTimeoutMs = 120_000;
/** The last of the platform's stderr kept for a failed start's message (characters). */
const stderrKeptMax = 20_000;

/**
 * Starts the platform on `databaseUrl` and resolves once it is ready. All load comes from one
 * IP: per-IP (and per-member) throttles are raised so they answer for the bench, not the system.
 */
export async function startBenchPlatform(
  cleanup: ReturnType<typeof createCleanup>,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<{ url: string; pid: number }> {
  const child = spawn(process.execPath, [cli, 'start'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      DEMO_DATA: '1',
      ADMIN_EMAIL: 'admin@bench.test',
      ADMIN_PASSWORD: 'bench-admin-password',
      LOGIN_RATE_PER_IP_PER_MIN: '100000',
      REGISTER_RATE_PER_IP_PER_HOUR: '100000',
      LOYALTY_RATE_PER_IP_PER_S: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanup.add('stop redemption start', async () => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-stderrKeptMax);
  });
  const ready = await waitForReady(child, { timeoutMs: readyTimeoutMs, output: () => stderr });
  return { url: readyBaseUrl(ready), pid: child.pid! };
}
