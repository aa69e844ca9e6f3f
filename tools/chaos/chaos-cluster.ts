/**
 * The processes chaos runs: each service (`redemption serve <name>`) and the gateway, on fixed
 * ports so a killed one comes back where the others call it, and a redis-server of its own on
 * another port (never the machine's: other work depends on it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { spawnPlatform, type Running } from '../../apps/platform/src/testing/spawn-platform.ts';

export const serviceNames = ['identity', 'loyalty', 'catalog', 'payments', 'orders'] as const;
const redisReadyTimeoutMs = 10_000;

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

export interface Member {
  name: string;
  port: number;
  args: string[];
  env: Record<string, string>;
  running?: Running;
}

export interface Cluster {
  members: Member[];
  gatewayUrl: string;
  redisPort: number;
  kill(name: string): Promise<void>;
  start(name: string): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  close(): Promise<void>;
}

function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('redis-server did not start')),
      redisReadyTimeoutMs,
    );
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('error', reject);
  });
}

export async function startCluster(common: Record<string, string>): Promise<Cluster> {
  const redisPort = await freePort();
  let redis: ChildProcess | undefined = await startRedisServer(redisPort);
  const env = { ...common, REDIS_URL: `redis://127.0.0.1:${redisPort}` };
  const ports = Object.fromEntries(
    await Promise.all([...serviceNames, 'gateway'].map(async (n) => [n, await freePort()])),
  ) as Record<string, number>;
  const urls = Object.fromEntries(
    serviceNames.map((n) => [`${n.toUpperCase()}_URL`, `http://127.0.0.1:${ports[n]}`]),
  );
  const members: Member[] = [...serviceNames, 'gateway'].map((name) => ({
    name,
    port: ports[name]!,
    args: ['serve', name],
    env: { ...env, ...urls, PORT: String(ports[name]) },
  }));
  const byName = (name: string) => members.find((m) => m.name === name)!;
  const start = async (name: string) => {
    const m = byName(name);
    m.running = await spawnPlatform(m.args, m.env);
  };
  const kill = async (name: string) => {
    const r = byName(name).running;
    r?.child.kill('SIGKILL');
    await r?.exited;
    byName(name).running = undefined;
  };
  for (const name of serviceNames) await start(name);
  await start('gateway');
  return {
    members,
    gatewayUrl: `http://127.0.0.1:${ports['gateway']}`,
    redisPort,
    kill,
    start,
    async stopRedis() {
      redis?.kill('SIGKILL');
      redis = undefined;
    },
    async startRedis() {
      redis = await startRedisServer(redisPort);
    },
    async close() {
      for (const m of members) await kill(m.name);
      redis?.kill('SIGKILL');
    },
  };
}
