/**
 * The container image, built and started here: `npm run image` (podman, the local stand-in base,
 * the unchanged Dockerfile with --pull=never), then `serve identity` in the image against the
 * machine's PostgreSQL with the code read-only and /tmp a tmpfs, as in Kubernetes
 * (`buildah run --isolation chroot`; this sandbox refuses `podman run`).
 *
 * Profiles: by default (CI too) the stand-in base and unchanged layers are reused from podman's
 * storage, so a run costs about the changed layers (the web build) plus the start; on a new
 * machine the base is built once (about 100 s). IMAGE_TEST_FULL=1 rebuilds the base and every
 * layer (the figure in the README). Without podman or buildah it skips with a printed reason,
 * and with REQUIRE_SERVICES=1 (CI) that is a failure (.ci/run installs them).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';

const repoRoot = new URL('../../', import.meta.url).pathname;
const imageName = 'localhost/redemption:image-test';
/** Budget for the whole image on the stand-in base (the official slim base is smaller). */
export const imageSizeBudgetMiB = 450;
/**
 * Budget for what the Dockerfile adds to the base: code, production node_modules, web app.
 * 160 until notifications (MJML's compiler and minifiers, web-push, nodemailer) and OpenTelemetry
 * (SDK, OTLP exporter, semantic conventions) came in: 175 MiB measured then (decision 015).
 */
export const appLayersBudgetMiB = 200;
const buildTimeoutMs = 20 * 60_000;
const readyTimeoutMs = 60_000;
const shutdownTimeoutMs = 30_000;
const internalSecret = 'image-test-internal-secret-0123456789abcdef';

function toolsGate(): { ok: boolean; reason: string } {
  const missing = ['podman', 'buildah', 'debootstrap'].filter((t) => {
    try {
      execFileSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return { ok: true, reason: '' };
  const what = `${missing.join(', ')} missing (apt-get install -y podman buildah debootstrap runc)`;
  if (process.env['REQUIRE_SERVICES'] === '1')
    throw new Error(`REQUIRE_SERVICES=1 but ${what}: the image test may not skip`);
  const reason = `skipping the image test: ${what}`;
  console.warn(reason);
  return { ok: false, reason };
}

const tools = toolsGate();
const pgGate = postgresGate();
const run = (cmd: string, args: string[], timeout = 120_000) =>
  execFileSync(cmd, args, { encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 }).trim();

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Every descendant of `pid` (from /proc), so the test signals only processes it started. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const d of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      parents.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) {
      if (parent !== p) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

const uidOf = (pid: number): number =>
  Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
/** The platform itself: `node /app/apps/platform/src/cli.ts ...` (not buildah's helpers). */
const isPlatform = (pid: number): boolean => {
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  return /(^|\/)node$/.test(argv[0] ?? '') && argv[1] === '/app/apps/platform/src/cli.ts';
};

async function waitReady(url: string, child: ChildProcess, said: () => string): Promise<unknown> {
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited (${child.exitCode}):\n${said()}`);
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === 200) return res.json();
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`not ready within ${readyTimeoutMs} ms:\n${said()}`);
}

describe.skipIf(!tools.ok || !pgGate.url)('container image (npm run image)', () => {
  let db: TempDatabase;
  let buildS = 0;
  let container = '';
  beforeAll(async () => {
    db = await createTempDatabase(pgGate.url!);
    const full = process.env['IMAGE_TEST_FULL'] === '1';
    if (full) execFileSync('podman', ['rmi', '--force', imageName], { stdio: 'ignore' });
    const t0 = performance.now();
    execFileSync('bash', ['tools/image/build-image.sh'], {
      cwd: repoRoot,
      env: {
        ...process.env,
        IMAGE: imageName,
        ...(full ? { REBUILD_BASE: '1', NO_CACHE: '1' } : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: buildTimeoutMs,
    });
    buildS = Math.round((performance.now() - t0) / 1000);
    container = run('buildah', ['from', '--pull=never', imageName]);
  }, buildTimeoutMs + 60_000);
  afterAll(async () => {
    if (container) run('buildah', ['rm', container]);
    await db?.drop();
  });

  it('declares a non-root user, the CLI entrypoint, OCI labels and stays under budget', () => {
    const cfg = JSON.parse(run('podman', ['image', 'inspect', imageName]))[0];
    expect(cfg.Config.User).toBe('1000:1000');
    expect(cfg.Config.Entrypoint).toEqual(['node', '/app/apps/platform/src/cli.ts']);
    expect(cfg.Config.StopSignal).toBe('SIGTERM');
    for (const l of ['title', 'version', 'revision', 'created', 'source', 'base.name'])
      expect(cfg.Config.Labels[`org.opencontainers.image.${l}`], l).toBeTruthy();
    const baseName: string = cfg.Config.Labels['org.opencontainers.image.base.name'];
    const baseSize = Number(run('podman', ['image', 'inspect', '--format', '{{.Size}}', baseName]));
    const sizeMiB = cfg.Size / 1024 / 1024;
    const appMiB = (cfg.Size - baseSize) / 1024 / 1024;
    const figures = { buildS, sizeMiB: Math.round(sizeMiB), appLayersMiB: Math.round(appMiB) };
    console.log(`image figures: ${JSON.stringify(figures)}`);
    mkdirSync(`${repoRoot}.tmp`, { recursive: true });
    writeFileSync(`${repoRoot}.tmp/image-figures.json`, `${JSON.stringify(figures)}\n`);
    expect(sizeMiB).toBeLessThan(imageSizeBudgetMiB);
    expect(appMiB).toBeLessThan(appLayersBudgetMiB);
  });

  it('ships no dev dependency, no test file, and the built web app', () => {
    const ls = run('buildah', [
      'run',
      '--isolation',
      'chroot',
      container,
      '--',
      'sh',
      '-c',
      'ls /app/node_modules; find /app -name "*.test.ts" -not -path "*/node_modules/*"; ls /app/apps/web/dist',
    ]);
    for (const dev of ['vitest', 'vite', 'typescript', 'eslint', 'node', 'react'])
      expect(ls.split('\n'), dev).not.toContain(dev);
    expect(ls).not.toMatch(/\.test\.ts/);
    expect(ls.split('\n')).toContain('index.html');
  });

  it(
    'serves against PostgreSQL with the code read-only: ready, uid 1000, clean SIGTERM',
    async () => {
      const port = await freePort();
      const mount = run('buildah', ['mount', container]);
      const env = [
        `DATABASE_URL=${db.url}`,
        `PORT=${port}`,
        `INTERNAL_TOKEN_SECRET=${internalSecret}`,
      ];
      const child = spawn(
        'buildah',
        ['run', '--isolation', 'chroot', '-v', `${mount}/app:/app:ro`]
          .concat(['--mount', 'type=tmpfs,destination=/tmp'])
          .concat(env.flatMap((e) => ['-e', e]))
          .concat([container, '--', 'node', '/app/apps/platform/src/cli.ts', 'serve', 'identity']),
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let said = '';
      child.stdout.on('data', (b: Buffer) => (said += b.toString()));
      child.stderr.on('data', (b: Buffer) => (said += b.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        const ready = await waitReady(`http://127.0.0.1:${port}/health/ready`, child, () => said);
        expect(ready).toMatchObject({ status: 'ready', checks: { database: 'ok' } });
        const node = descendants(child.pid!).find(isPlatform);
        expect(node, 'the platform process inside the container').toBeDefined();
        expect(uidOf(node!)).toBe(1000);
        process.kill(node!, 'SIGTERM');
        const code = await Promise.race([
          exited,
          new Promise((r) => setTimeout(() => r('timeout'), shutdownTimeoutMs)),
        ]);
        expect(code, said).toBe(0);
        expect(said).toContain('shutdown complete');
      } finally {
        if (child.exitCode === null) {
          for (const p of descendants(child.pid!)) process.kill(p, 'SIGKILL');
          child.kill('SIGKILL');
        }
      }
    },
    readyTimeoutMs + shutdownTimeoutMs + 10_000,
  );
});
