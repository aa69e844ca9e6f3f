import { spawn } from 'node:child_process';
import path from 'node:path';
import { cliPath, spawnService, type Service } from './spawn-service.ts';

const stopTimeoutMs = 35_000;
const seedTimeoutMs = 120_000;
/** Login throttles far above what the harness needs (it logs in every member). */
const loginRateHigh = '100000';
/**
 * Every simulated client shares 127.0.0.1, so the per-IP ledger limit is raised out of the way;
 * the per-member limit keeps its default (members who hammer get 429 and retry, as in real life).
 */
const loyaltyRatePerIpHigh = '10000000';

export interface ClusterEnv {
  databaseUrl: string;
  adminPassword: string;
  /** Where each process's log goes (`identity.log`, `loyalty-<i>.log`). */
  logDir: string;
}

export interface Cluster {
  identityUrl: string;
  /** Base URL of each loyalty process, by index (stable across restarts on the same port). */
  loyaltyUrls: string[];
  /** Indexes of loyalty processes that are up right now. */
  live(): number[];
  /** kill -9 of loyalty process `i`, then a restart (same port when it can). */
  killAndRestart(i: number): Promise<void>;
  /** SIGTERM to every process; resolves with their exit codes. */
  stop(): Promise<Array<{ name: string; code: number | null }>>;
}

const baseEnv = (e: ClusterEnv): Record<string, string> => ({
  DATABASE_URL: e.databaseUrl,
  ADMIN_PASSWORD: e.adminPassword,
  LOG_LEVEL: 'warn',
  LOGIN_RATE_PER_IP_PER_MIN: loginRateHigh,
  LOGIN_RATE_PER_IP_ACCOUNT_PER_15MIN: loginRateHigh,
  // Up to 10,000 members register from this one machine.
  REGISTER_RATE_PER_IP_PER_HOUR: loginRateHigh,
  LOYALTY_RATE_PER_IP_PER_S: loyaltyRatePerIpHigh,
});

/** `redemption seed`: the admin and the demo members (identity publishes member_registered). */
export async function runSeed(e: ClusterEnv): Promise<string> {
  const child = spawn(process.execPath, [cliPath, 'seed'], {
    // The harness uses the demo members; a real DATABASE_URL gets them only on request.
    env: { ...process.env, ...baseEnv(e), DEMO_DATA: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), seedTimeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`redemption seed exited with ${code}:\n${out}`);
  return out.trim();
}

async function stopOne(r: Service): Promise<number | null> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return r.child.exitCode;
  r.child.kill('SIGTERM');
  const timer = setTimeout(() => r.child.kill('SIGKILL'), stopTimeoutMs);
  const code = await r.exited;
  clearTimeout(timer);
  return code;
}

export async function startCluster(e: ClusterEnv, processes: number): Promise<Cluster> {
  const identity = await spawnService(
    ['serve', 'identity'],
    baseEnv(e),
    path.join(e.logDir, 'identity.log'),
  );
  const identityUrl = identity.baseUrl;
  const serve = (i: number, port: string) =>
    spawnService(
      ['serve', 'loyalty'],
      { ...baseEnv(e), IDENTITY_URL: identityUrl, PORT: port },
      path.join(e.logDir, `loyalty-${i}.log`),
    );
  const loyalty: Service[] = await Promise.all(
    Array.from({ length: processes }, (_, i) => serve(i, '0')),
  );
  const loyaltyUrls = loyalty.map((r) => r.baseUrl);
  const up = loyalty.map(() => true);

  async function killAndRestart(i: number): Promise<void> {
    up[i] = false;
    loyalty[i]!.child.kill('SIGKILL');
    await loyalty[i]!.exited;
    const port = new URL(loyaltyUrls[i]!).port;
    try {
      loyalty[i] = await serve(i, port);
    } catch {
      loyalty[i] = await serve(i, '0');
      loyaltyUrls[i] = loyalty[i]!.baseUrl;
    }
    up[i] = true;
  }

  return {
    identityUrl,
    loyaltyUrls,
    live: () => up.flatMap((u, i) => (u ? [i] : [])),
    killAndRestart,
    async stop() {
      up.fill(false);
      const codes = await Promise.all(loyalty.map(stopOne));
      const idCode = await stopOne(identity);
      return [
        ...codes.map((code, i) => ({ name: `loyalty#${i}`, code })),
        { name: 'identity', code: idCode },
      ];
    },
  };
}
