/**
 * Start-to-ready of `redemption start`: cold (empty DATA_DIR: PGlite initdb, migrations, seed)
 * and warm (existing data), against a hello-world Fastify process as the baseline.
 * Ready = the process has printed its "ready" banner (it is listening and the database is up).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempDatabase } from '@redemption/kernel/testing';

const runsPerCase = Number(process.env['BENCH_RUNS'] ?? 5);
const readyTimeoutMs = 60_000;
const cli = fileURLToPath(new URL('../apps/platform/src/cli.ts', import.meta.url));

function timeToReady(
  args: string[],
  env: Record<string, string>,
  readyPattern: RegExp,
): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`not ready:\n${out}`)), readyTimeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (!readyPattern.test(out)) return;
      const ms = performance.now() - started;
      clearTimeout(timer);
      child.once('exit', () => resolve(ms));
      child.kill('SIGTERM');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
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
await app.listen({ port: 0, host: '127.0.0.1' }); console.error('ready'); process.on('SIGTERM', () => app.close().then(() => process.exit(0)));`,
);

console.log(
  `startup: ${runsPerCase} runs each, node ${process.version}, ${(await import('node:os')).cpus().length} cores`,
);
await measure('baseline: hello-world Fastify to listening', () =>
  timeToReady([hello], {}, /ready/),
);
await measure('redemption start, cold (empty DATA_DIR)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  try {
    return await timeToReady(
      [cli, 'start'],
      { DATA_DIR: dir, DATABASE_URL: '', REDIS_URL: '' },
      /ready in/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
const warmDir = mkdtempSync(join(tmpdir(), 'bench-warm-'));
await timeToReady(
  [cli, 'start'],
  { DATA_DIR: warmDir, DATABASE_URL: '', REDIS_URL: '' },
  /ready in/,
);
await measure('redemption start, warm (existing DATA_DIR)', () =>
  timeToReady([cli, 'start'], { DATA_DIR: warmDir, DATABASE_URL: '', REDIS_URL: '' }, /ready in/),
);
if (process.env['DATABASE_URL']) {
  const temp = await createTempDatabase(process.env['DATABASE_URL']);
  await timeToReady([cli, 'serve', 'identity'], { DATABASE_URL: temp.url }, /ready in/);
  await measure('redemption serve identity (PostgreSQL, migrated)', () =>
    timeToReady([cli, 'serve', 'identity'], { DATABASE_URL: temp.url }, /ready in/),
  );
  await temp.drop();
}
rmSync(warmDir, { recursive: true, force: true });
rmSync(baselineDir, { recursive: true, force: true });
