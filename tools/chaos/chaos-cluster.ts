/**
 * The processes chaos runs: each service (`redemption serve <name>`) and the gateway, and a
 * redis-server of its own on another port (never the machine's: other work depends on it). Each
 * process sits behind a TCP proxy of its own (chaos-delay-proxy.ts), its stable address, as a
 * Kubernetes Service's: the others call it there, a restarted process comes back on a new port
 * and the proxy sends new connections to it once it is ready, so a rolling restart can start the
 * replacement before the old process drains (maxSurge 1, maxUnavailable 0). Everything listens
 * on the network's host address; one service (`netnsService`) runs in the network namespace
 * when there is one, and its proxy also adds the latency fault (chaos-net.ts).
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
  /** The running process's own port (a new one at each start). */
  port: number;
  /** Where the process listens: the namespace's address or the host's. */
  host: string;
  args: string[];
  env: Record<string, string>;
  prefix: string[];
  /** The member's stable address (what the others and the load call). */
  vip: DelayProxy;
  running?: Running;
}

export interface Cluster {
  members: Member[];
  gatewayUrl: string;
  redisPort: number;
  /** In front of the namespaced service, or null without a namespace. */
  delayProxy: DelayProxy | null;
  /** The namespaced service's current port, or null. */
  readonly netnsPort: number | null;
  kill(name: string): Promise<void>;
  /** Starts a new process on a new port and, once it is ready, sends new connections to it. */
  start(name: string): Promise<void>;
  /**
   * A rolling update's step: the replacement started and ready first, then the old process
   * SIGTERMed and waited for (its drain); returns the old one's exit code.
   */
  replace(name: string): Promise<number | null>;
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

/** Each member's env and command prefix; every `*_URL` is the member's stable proxy. */
function plan(
  common: Record<string, string>,
  net: ChaosNet,
  vips: Record<string, DelayProxy>,
  namespaced: boolean,
): Member[] {
  const host = (n: string) => (namespaced && n === netnsService ? net.nsIp! : net.hostIp);
  const urls = Object.fromEntries(
    serviceNames.map((n) => [`${n.toUpperCase()}_URL`, `http://${net.hostIp}:${vips[n]!.port}`]),
  );
  return [...serviceNames, 'gateway'].map((name) => ({
    name,
    port: 0,
    host: host(name),
    args: ['serve', name],
    env: { ...common, ...urls, HOST: host(name) },
    prefix: namespaced && name === netnsService ? net.prefix : [],
    vip: vips[name]!,
  }));
}

export async function startCluster(
  common: Record<string, string>,
  net: ChaosNet,
): Promise<Cluster> {
  const redisPort = await freePort();
  let redis: ChildProcess | undefined = await startRedisServer(redisPort, net.hostIp);
  const env = { ...common, REDIS_URL: `redis://${net.hostIp}:${redisPort}` };
  const vips: Record<string, DelayProxy> = {};
  // Nothing listens at the first target until the member's first start points it there.
  for (const name of [...serviceNames, 'gateway'])
    vips[name] = await startDelayProxy(net.hostIp, { host: net.hostIp, port: 1 });
  const members = plan(env, net, vips, net.nsIp !== null);
  const byName = (name: string) => members.find((m) => m.name === name)!;
  /** A new process on a new port; the proxy sends new connections to it once it is ready. */
  const spawnNew = async (m: Member): Promise<Running> => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await spawnPlatform(
      m.args,
      { ...m.env, PORT: String(port) },
      { prefix: m.prefix, readyTimeoutMs },
    );
    m.port = port;
    m.vip.target = { host: m.host, port };
    process.stderr.write(`chaos: ${m.name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    return r;
  };
  const start = async (name: string) => {
    const m = byName(name);
    m.running = await spawnNew(m);
  };
  const stopProcess = async (r: Running | undefined, signal: NodeJS.Signals) => {
    r?.child.kill(signal);
    return (await r?.exited) ?? null;
  };
  const kill = async (name: string) => {
    const m = byName(name);
    const r = m.running;
    m.running = undefined;
    await stopProcess(r, 'SIGKILL');
  };
  const replace = async (name: string) => {
    const m = byName(name);
    const old = m.running;
    m.running = await spawnNew(m);
    return stopProcess(old, 'SIGTERM');
  };
  const close = async () => {
    for (const m of members) await kill(m.name);
    redis?.kill('SIGKILL');
    for (const v of Object.values(vips)) await v.close();
  };
  try {
    // One at a time: seven starting side by side on a loaded 2-core machine missed the 30 s.
    for (const name of [...serviceNames, 'gateway']) await start(name);
  } catch (err) {
    await close();
    throw err;
  }
  const namespaced = byName(netnsService).host !== net.hostIp;
  return {
    members,
    gatewayUrl: `http://${net.hostIp}:${vips['gateway']!.port}`,
    redisPort,
    delayProxy: namespaced ? vips[netnsService]! : null,
    get netnsPort() {
      return namespaced ? byName(netnsService).port : null;
    },
    kill,
    start,
    replace,
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
