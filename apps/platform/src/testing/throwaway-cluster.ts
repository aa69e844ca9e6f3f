/**
 * A throwaway PostgreSQL cluster (initdb + pg_ctl on a free port, trust auth, in a temp
 * directory), for the restore drill: a fresh cluster has a young transaction counter, as a new
 * server in a disaster would, which a database on the test server cannot show. Available when
 * the server binaries are installed (Debian: /usr/lib/postgresql/<major>/bin); as root the
 * cluster runs as the `postgres` user, since PostgreSQL refuses to run as root.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);
const debianBinRoot = '/usr/lib/postgresql';
const startTimeoutS = 60;
const postgresUid = 'postgres';

export interface ThrowawayCluster {
  /** postgres://root@127.0.0.1:<port>/postgres */
  url: string;
  /** Stops the server (mode `fast`: sessions are cut), keeping its data: chaos's PostgreSQL down. */
  halt(): Promise<void>;
  /** Starts it again after halt(), on the same port and data. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** The newest installed server's bin directory, or null. */
export function serverBinDir(): string | null {
  if (!existsSync(debianBinRoot)) return null;
  const majors = readdirSync(debianBinRoot)
    .filter((d) => existsSync(join(debianBinRoot, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(debianBinRoot, majors[0], 'bin') : null;
}

/** Runs a server binary, as `postgres` when we are root. */
async function asOwner(bin: string, args: string[]): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  await (isRoot ? run('runuser', ['-u', postgresUid, '--', bin, ...args]) : run(bin, args));
}

export interface ClusterOptions {
  /** Extra `-c name=value` settings (chaos: listen_addresses, max_connections). */
  settings?: Record<string, string>;
  /** Networks (CIDR) allowed in without a password besides loopback (chaos's veth). */
  trustFrom?: readonly string[];
}

export async function startThrowawayCluster(
  binDir: string,
  o: ClusterOptions = {},
): Promise<ThrowawayCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'redemption-cluster-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', postgresUid]);
    const { stdout: gid } = await run('id', ['-g', postgresUid]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const port = await freePort();
  await asOwner(join(binDir, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'root', '--no-sync']);
  for (const cidr of o.trustFrom ?? [])
    appendFileSync(join(data, 'pg_hba.conf'), `host all all ${cidr} trust\n`);
  const extra = Object.entries(o.settings ?? {}).map(([k, v]) => ` -c ${k}=${v}`);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off${extra.join('')}`;
  const ctl = join(binDir, 'pg_ctl');
  const start = () =>
    asOwner(ctl, [
      '-D',
      data,
      '-o',
      options,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      String(startTimeoutS),
      'start',
    ]);
  await start();
  return {
    url: `postgres://root@127.0.0.1:${port}/postgres`,
    halt: () => asOwner(ctl, ['-D', data, '-m', 'fast', '-w', 'stop']),
    resume: start,
    async stop() {
      await asOwner(ctl, ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
