/**
 * The processes chaos runs: each service (`redemption serve <name>`) and the gateway, on fixed
 * ports so a killed one comes back where the others call it, and a redis-server of its own on
 * another port (never the machine's: other work depends on it). Everything listens on the
 * network's host address; one service (`netnsService`) runs in the network namespace when there
 * is one, and the others call it through a delay proxy (chaos-net.ts, chaos-delay-proxy.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { spawnPlatform, type Running } from '../../apps/platform/src/testing/spawn-platform.ts';
import { startDelayProxy, type DelayProxy } from './chaos-delay-proxy.ts';
import type { ChaosNet } from './chaos-net.ts';
import { freePort } from '../../apps/platform/src/testing/free-port.ts';

export const serviceNames = [
  'identity',
  'loyalty',
  'catalog',
  'payments',
  'orders',
  'notifications',
  'analytics',
] as const;
/** The service behind the namespace's veth: orders calls it on every checkout. */
export const netnsService = 'payments';
const redisReadyTimeoutMs = 10_000;
/** A service's start on a loaded 2-core machine: 60-85 s loading modules, then 13-35 s to listen. */
const readyTimeoutMs = 300_000;

export { freePort };

export interface Member {
  name: string;
  port: number;
  args: string[];
  env: Record<string, string>;
  prefix: string[];
  running?: Running;
}

export interface Cluster {
  members: Member[];
  gatewayUrl: string;
  redisPort: number;
  /** In front of the namespaced service, or null without a namespace. */
  delayProxy: DelayProxy | null;
  /** The namespaced service's port, or null. */
  netnsPort: number | null;
  kill(name: string): Promise<void>;
  /** SIGTERM, then waits for the process to exit (its drain); returns its exit code. */
  terminate(name: string): Promise<number | null>;
  start(name: string): Promise<void>;
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  close(): Promise<void>;
}

function startRedisServer(port: number, host: string): Promise<ChildProcess> {
  const binds = [...new Set(['127.0.0.1', host])];
  const child = spawn(
    'redis-server',
    // protected-mode no: the namespaced service connects from the veth, not from loopback.
    [
      ...['--port', String(port), '--bind', ...binds, '--protected-mode', 'no'],
      ...['--save', '', '--appendonly', 'no'],
    ],
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

/** Each member's port, env and command prefix; PAYMENTS_URL (say) through the delay proxy. */
function plan(
  common: Record<string, string>,
  net: ChaosNet,
  ports: Record<string, number>,
  proxy: DelayProxy | null,
): Member[] {
  const host = (n: string) => (proxy && n === netnsService ? net.nsIp! : net.hostIp);
  const urls = Object.fromEntries(
    serviceNames.map((n) => [
      `${n.toUpperCase()}_URL`,
      proxy && n === netnsService
        ? `http://${net.hostIp}:${proxy.port}`
        : `http://${host(n)}:${ports[n]}`,
    ]),
  );
  return [...serviceNames, 'gateway'].map((name) => ({
    name,
    port: ports[name]!,
    args: ['serve', name],
    env: { ...common, ...urls, HOST: host(name), PORT: String(ports[name]) },
    prefix: proxy && name === netnsService ? net.prefix : [],
  }));
}

export async function startCluster(
  common: Record<string, string>,
  net: ChaosNet,
): Promise<Cluster> {
  const redisPort = await freePort();
  let redis: ChildProcess | undefined = await startRedisServer(redisPort, net.hostIp);
  const env = { ...common, REDIS_URL: `redis://${net.hostIp}:${redisPort}` };
  const ports = Object.fromEntries(
    await Promise.all([...serviceNames, 'gateway'].map(async (n) => [n, await freePort()])),
  ) as Record<string, number>;
  const proxy = net.nsIp
    ? await startDelayProxy(net.hostIp, { host: net.nsIp, port: ports[netnsService]! })
    : null;
  const members = plan(env, net, ports, proxy);
  const byName = (name: string) => members.find((m) => m.name === name)!;
  const start = async (name: string) => {
    const m = byName(name);
    const t0 = Date.now();
    m.running = await spawnPlatform(m.args, m.env, { prefix: m.prefix, readyTimeoutMs });
    process.stderr.write(`chaos: ${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  };
  const stop = async (name: string, signal: NodeJS.Signals) => {
    const r = byName(name).running;
    r?.child.kill(signal);
    const code = (await r?.exited) ?? null;
    byName(name).running = undefined;
    return code;
  };
  const kill = async (name: string) => void (await stop(name, 'SIGKILL'));
  const close = async () => {
    for (const m of members) await kill(m.name);
    redis?.kill('SIGKILL');
    await proxy?.close();
  };
  try {
    // One at a time: seven starting side by side on a loaded 2-core machine missed the 30 s.
    for (const name of [...serviceNames, 'gateway']) await start(name);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    members,
    gatewayUrl: `http://${net.hostIp}:${ports['gateway']}`,
    redisPort,
    delayProxy: proxy,
    netnsPort: proxy ? ports[netnsService]! : null,
    kill,
    terminate: (name) => stop(name, 'SIGTERM'),
    start,
    async stopRedis() {
      redis?.kill('SIGKILL');
      redis = undefined;
    },
    async startRedis() {
      redis = await startRedisServer(redisPort, net.hostIp);
    },
    close,
  };
}
