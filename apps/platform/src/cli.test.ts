import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { configTable, platformConfigGroups } from '@redemption/kernel';
import { allModules } from './modules.ts';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const binEntry = fileURLToPath(new URL('../bin/redemption.mjs', import.meta.url));
const version = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const services = [
  'identity',
  'loyalty',
  'catalog',
  'payments',
  'orders',
  'notifications',
  'analytics',
];
/**
 * One CLI process at most (ms): it loads every module (MJML's compiler among them), which takes
 * seconds on a loaded two-core machine.
 */
const cliTimeoutMs = 60_000;
// Every test here starts one to three CLI processes.
vi.setConfig({ testTimeout: 3 * cliTimeoutMs });
/** A stack trace line, which a person should never see for their own mistake. */
const stackLine = /^\s+at /m;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** `redemption <args>` with `env` over a clean environment (no DATABASE_URL from the test run). */
function redemption(args: string[], env: Record<string, string> = {}, node = process.execPath) {
  return new Promise<Ran>((resolve) => {
    execFile(
      node,
      [cli, ...args],
      {
        env: {
          PATH: process.env['PATH'] ?? '',
          DATA_DIR: 'memory://',
          LOG_LEVEL: 'silent',
          ...env,
        },
        timeout: cliTimeoutMs,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('redemption --help and --version', () => {
  // Settings that would stop any real command: help and version must not read them.
  const broken = { PORT: 'eighty', DATABASE_URL: 'not a url', LEDGER_BATCH_MAX: '-1' };

  it(
    '--help lists the commands and the services, exit 0, whatever the configuration',
    async () => {
      for (const args of [['--help'], ['-h'], []]) {
        const r = await redemption(args, broken);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain('usage: redemption <command>');
        expect(r.stdout).toContain(`services: ${services.join(', ')}`);
        expect(r.stdout).toMatch(/admin create/);
      }
    },
    3 * cliTimeoutMs,
  );

  it('--version prints the version, exit 0, whatever the configuration', async () => {
    const r = await redemption(['--version'], broken);
    expect({ code: r.code, out: r.stdout }).toEqual({ code: 0, out: `${version}\n` });
  });

  it("<command> --help prints that command's usage", async () => {
    const r = await redemption(['admin', '--help'], broken);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: redemption admin create');
  });
});

describe('usage mistakes: the usage, exit 2, no stack trace', () => {
  it('an unknown command lists the commands and the services', async () => {
    const r = await redemption(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('redemption: unknown command "frobnicate"');
    expect(r.stderr).toContain(`services: ${services.join(', ')}`);
    expect(r.stderr).not.toMatch(stackLine);
  });

  it(
    'serve without a service, or an unknown one, names the services',
    async () => {
      const none = await redemption(['serve']);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain(`serve needs a service: ${services.join(', ')}, or gateway`);
      const unknown = await redemption(['serve', 'billing']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain(
        `unknown service "billing"; services: ${services.join(', ')}`,
      );
      expect(unknown.stderr).not.toMatch(stackLine);
    },
    2 * cliTimeoutMs,
  );

  it('an unknown option or a bad value', async () => {
    const option = await redemption(['ledger', 'verify', '--fll']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option '--fll'");
    expect(option.stderr).toContain('usage: redemption ledger verify');
    const value = await redemption(['events', 'dlq', 'list', '--limit', 'lots']);
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('--limit must be a whole number from 1 to 500');
    for (const r of [option, value]) expect(r.stderr).not.toMatch(stackLine);
  });
});

describe('configuration and database problems: a sentence, exit 1, no stack trace', () => {
  it('a bad setting is named, with where to see them all', async () => {
    const r = await redemption(['migrate'], { PORT: 'eighty', LEDGER_BATCH_MAX: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PORT="eighty": must be an integer');
    expect(r.stderr).toContain('LEDGER_BATCH_MAX="0": must be between 1 and 5000');
    expect(r.stderr).toContain('`redemption config` shows every setting');
    expect(r.stderr).not.toMatch(stackLine);
  });

  it('a port in use', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = String((taken.address() as AddressInfo).port);
    try {
      const r = await redemption(['serve', 'gateway'], {
        PORT: port,
        HOST: '127.0.0.1',
        IDENTITY_URL: 'http://127.0.0.1:9',
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(r.stderr).not.toMatch(stackLine);
    } finally {
      taken.close();
    }
  });

  it('an unreachable database: which URL (password masked) and what to check', async () => {
    const url = 'postgres://root:topsecret@127.0.0.1:1/redemption';
    const r = await redemption(['migrate'], { DATABASE_URL: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'cannot use the database at postgres://root:***@127.0.0.1:1/redemption: connection refused',
    );
    expect(r.stderr).toContain('Check that PostgreSQL is running there and that DATABASE_URL');
    expect(r.stderr).not.toContain('topsecret');
    expect(r.stderr).not.toMatch(stackLine);
  });
});

describe('redemption config', () => {
  it('shows every variable of every service in effect, secrets masked', async () => {
    const r = await redemption(['config'], {
      PORT: '3000',
      DATABASE_URL: 'postgres://root:topsecret@db.internal:5432/redemption',
      STRIPE_SECRET_KEY: 'sk_test_0123456789',
      LOYALTY_URL: 'http://loyalty:8080',
    });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^ {2}PORT +3000$/m);
    expect(r.stdout).toMatch(
      /^ {2}DATABASE_URL +postgres:\/\/root:\*\*\*@db.internal:5432\/redemption$/m,
    );
    expect(r.stdout).toMatch(/^ {2}STRIPE_SECRET_KEY +\(set, hidden\)$/m);
    expect(r.stdout).toMatch(/^ {2}LEDGER_BATCH_MAX +256 {2}\(default\)$/m);
    expect(r.stdout).toMatch(/^ {2}LOYALTY_URL +http:\/\/loyalty:8080$/m);
    for (const owner of ['kernel', ...services])
      expect(r.stdout).toMatch(new RegExp(`^${owner}:$`, 'm'));
    expect(r.stdout).not.toMatch(/topsecret|sk_test_0123456789/);
  });

  it('says what is invalid, and exits 1', async () => {
    const r = await redemption(['config'], { HOLD_TTL_S: '1' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('HOLD_TTL_S="1": must be between 10 and 604800');
  });

  it('--table prints every variable of every service as the README renders them', async () => {
    const r = await redemption(['config', '--table']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${configTable(platformConfigGroups(allModules))}\n`);
  });
});

describe('apps/platform/bin/redemption.mjs (the entry npm scripts run)', () => {
  it('runs the CLI on Node 24', async () => {
    const r = await new Promise<Ran>((resolve) =>
      execFile(process.execPath, [binEntry, '--version'], (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, stdout, stderr }),
      ),
    );
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  // The machine's own Node (Debian's is 20) where there is one older than 24.
  const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find(
    (p) => existsSync(p) && p !== process.execPath,
  );
  it.skipIf(!oldNode)('on an older Node, says to use npm start or Node 24 instead', async () => {
    const r = await new Promise<Ran & { major: number }>((resolve) =>
      execFile(oldNode!, ['-e', 'process.stdout.write(process.versions.node)'], (_e, v) =>
        execFile(oldNode!, [binEntry, 'start'], (err, stdout, stderr) =>
          resolve({
            major: Number(v.split('.')[0]),
            code: err ? Number((err as { code?: number }).code) : 0,
            stdout,
            stderr,
          }),
        ),
      ),
    );
    if (r.major >= 24) return; // that Node is new enough: nothing to say
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('redemption needs Node 24');
    expect(r.stderr).toContain('npm start');
    expect(r.stderr).not.toMatch(stackLine);
  });
});
