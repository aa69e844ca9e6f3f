/**
 * A redis-server of the test's own on a free port (no persistence), which the test may kill and
 * start again on the same port: the machine's shared Redis is never stopped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.ts';

const readyTimeoutMs = 10_000;

export interface OwnRedis {
  url: string;
  /** SIGKILL: the abrupt end a crashed or unreachable Redis is to its clients. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>;
  /** Keys matching `pattern` (redis-cli --scan), to see what the platform stored. */
  keys(pattern: string): string[];
}

/** Whether `redis-server` can be run here; the reason to skip when not. */
export function redisServerMissing(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.error || probe.status !== 0 ? 'redis-server is not installed' : undefined;
}

function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), readyTimeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      if (!d.toString().includes('Ready to accept connections')) return;
      clearTimeout(timer);
      resolve(child);
    });
    child.on('error', reject);
  });
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined = await spawnRedis(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
    async start() {
      child ??= await spawnRedis(port);
    },
    keys(pattern) {
      const args = ['-p', String(port), '--scan', '--pattern', pattern];
      const out = spawnSync('redis-cli', args, { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`redis-cli failed: ${out.stderr}`);
      return out.stdout.split('\n').filter(Boolean);
    },
  };
}
