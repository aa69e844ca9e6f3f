/**
 * The system under test: one `redemption serve loyalty` process (distributed mode) on a temp
 * database. Tokens are EdDSA JWTs signed here with a fresh Ed25519 key whose public half a
 * tiny JWKS server (this process, 127.0.0.1) publishes at IDENTITY_URL, as identity would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { readyBaseUrl, waitForReady } from '@redemption/kernel/testing';
import type { Cleanup } from './cleanup.ts';

const cli = fileURLToPath(new URL('../../apps/platform/src/cli.ts', import.meta.url));
const readyTimeoutMs = 60_000;
const stopWaitMs = 30_000;
const tokenTtl = '2h';
const kid = 'bench';

export interface Signer {
  identityUrl: string;
  sign(sub: string, role: 'member' | 'admin'): Promise<string>;
}

/** A fresh signing key and its JWKS on 127.0.0.1 (closed by `cleanup`). */
export async function startSigner(cleanup: Cleanup): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
    extractable: true,
  });
  const jwks = JSON.stringify({
    keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' }],
  });
  const server: Server = createServer((req, res) => {
    const ok = req.url === '/.well-known/jwks.json';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    res.end(ok ? jwks : '{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.add('close JWKS server', () => new Promise((r) => server.close(r)));
  const { port } = server.address() as { port: number };
  return {
    identityUrl: `http://127.0.0.1:${port}`,
    sign: (sub, role) => sign(privateKey, sub, role),
  };
}

const sign = (key: CryptoKey, sub: string, role: 'member' | 'admin'): Promise<string> =>
  new SignJWT({ role })
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setSubject(sub)
    .setIssuer('redemption')
    .setAudience('redemption-api')
    .setIssuedAt()
    .setExpirationTime(tokenTtl)
    .sign(key);

export interface Service {
  pid: number;
  baseUrl: string;
  child: ChildProcess;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/** Spawns the CLI and waits for its ready line; its JSON logs (stdout) and banner (stderr) go to `logFile`. */
export async function startService(
  env: Record<string, string>,
  logFile: string,
  cleanup: Cleanup,
): Promise<Service> {
  // `serve` answers /metrics only to a bearer of METRICS_TOKEN (decision 009): a fresh one per run.
  const metricsToken = randomBytes(32).toString('base64url');
  const child = spawn(process.execPath, [cli, 'serve', 'loyalty'], {
    env: {
      ...process.env,
      REDIS_URL: '',
      PORT: '0',
      HOST: '127.0.0.1',
      METRICS_TOKEN: metricsToken,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = cleanup.add('stop serve loyalty', async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), stopWaitMs);
    await exited;
    clearTimeout(timer);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    log.write(chunk);
  });
  const ready = await waitForReady(child, { timeoutMs: readyTimeoutMs, output: () => stderr });
  const baseUrl = readyBaseUrl(ready);
  return {
    pid: child.pid!,
    baseUrl,
    child,
    metrics: () => scrape(baseUrl, metricsToken),
    stop,
  };
}

/** The service's /metrics text; throws rather than let an empty answer read as zero batches. */
async function scrape(baseUrl: string, token: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${text.slice(0, 200)}`);
  return text;
}

/** Sum and count of a Prometheus histogram or counter lines matching `name{...}`. */
export function metricValue(text: string, name: string, labels = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith(' ') || rest.startsWith('{'))) continue;
    if (labels && !rest.includes(labels)) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
