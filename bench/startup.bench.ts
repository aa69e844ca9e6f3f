/**
 * Start-to-ready of `redemption start`: cold (empty DATA_DIR: PGlite initdb, migrations, seed)
 * and warm (existing data), against a hello-world Fastify process as the baseline.
 * Ready = the process has written its ready line (`"event":"ready"` on stdout: it is listening
 * and the database is up); the hello-world baseline writes the same line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempDatabase, waitForReady } from '@redemption/kernel/testing';

const runsPerCase = Number(process.env['BENCH_RUNS'] ?? 5);
const readyTimeoutMs = 60_000;
const cli = fileURLToPath(new URL('../apps/platform/src/cli.ts', import.meta.url));

/** Milliseconds from spawn to the process's ready line (see `announceReady`), then stops it. */
async function timeToReady(args: string[], env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await waitForReady(child, { timeoutMs: readyTimeoutMs, output: () => stderr });
  const ms = performance.now() - started;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  return ms;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(label: string, once: () => Promise<number>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < runsPerCase; i++) samples.push(await once());
  const fmt = (n: number): string => `${Math.round(n)} ms`;
  console.log(
    `${label.padEnd(44)} median ${fmt(median(samples)).padStart(8)}   min ${fmt(Math.min(...samples)).padStart(8)}   max ${fmt(Math.max(...samples)).padStart(8)}`,
  );
}

const baselineDir = mkdtempSync(join(tmpdir(), 'bench-hello-'));
const hello = join(baselineDir, 'hello.mjs');
writeFileSync(
  hello,
  `import Fastify from ${JSON.stringify(import.meta.resolve('fastify'))};
const app = Fastify(); app.get('/', async () => ({ hello: 'world' }));
const a = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(JSON.stringify({ event: 'ready', url: a, listen: [a], mode: 'standalone', services: [], pid: process.pid, version: '0', ready_ms: 0 }) + '\\n');
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));`,
);

console.log(
  `startup: ${runsPerCase} runs each, node ${process.version}, ${(await import('node:os')).cpus().length} cores`,
);
await measure('baseline: hello-world Fastify to listening', () => timeToReady([hello], {}));
await measure('redemption start, cold (empty DATA_DIR)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  try {
    return await timeToReady([cli, 'start'], { DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
const warmDir = mkdtempSync(join(tmpdir(), 'bench-warm-'));
await timeToReady([cli, 'start'], { DATA_DIR: warmDir, DATABASE_URL: '', REDIS_URL: '' });
await measure('redemption start, warm (existing DATA_DIR)', () =>
  timeToReady([cli, 'start'], { DATA_DIR: warmDir, DATABASE_URL: '', REDIS_URL: '' }),
);
if (process.env['DATABASE_URL']) {
  const temp = await createTempDatabase(process.env['DATABASE_URL']);
  await timeToReady([cli, 'serve', 'identity'], { DATABASE_URL: temp.url });
  await measure('redemption serve identity (PostgreSQL, migrated)', () =>
    timeToReady([cli, 'serve', 'identity'], { DATABASE_URL: temp.url }),
  );
  await temp.drop();
}
rmSync(warmDir, { recursive: true, force: true });
rmSync(baselineDir, { recursive: true, force: true });
