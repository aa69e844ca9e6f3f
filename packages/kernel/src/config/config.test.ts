import { describe, expect, it } from 'vitest';
import {
  bool,
  ConfigError,
  configInEffect,
  configTable,
  maskedUrl,
  shownValue,
  int,
  list,
  loadConfig,
  oneOf,
  str,
  url,
  type VarSpec,
} from './config.ts';
import { demoDataWanted, loadPlatformConfig } from './platform-config.ts';

const specs = {
  port: { name: 'PORT', default: '8080', description: 'HTTP port', parse: int(1, 65535) },
  level: {
    name: 'LEVEL',
    default: 'info',
    description: 'log level',
    parse: oneOf('info', 'debug'),
  },
  dbUrl: {
    name: 'DB_URL',
    description: 'database',
    secret: true,
    parse: url('postgres', 'postgresql'),
  },
  seed: { name: 'SEED', default: 'true', description: 'seed demo data', parse: bool },
  origins: { name: 'ORIGINS', default: '', description: 'CORS origins', parse: list },
} satisfies Record<string, VarSpec<unknown>>;

/** The ConfigError thrown by `fn`, failing the test when it throws anything else or nothing. */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** Runs a single parser and returns its value, or the message it throws. */
function parsed<T>(parse: (raw: string) => T, raw: string): T | string {
  try {
    return parse(raw);
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

describe('loadConfig', () => {
  it('uses defaults for unset variables and leaves optional ones undefined', () => {
    expect(loadConfig(specs, {})).toEqual({
      port: 8080,
      level: 'info',
      dbUrl: undefined,
      seed: true,
      origins: [],
    });
  });

  it('parses given values over the defaults', () => {
    const env = {
      PORT: '3000',
      LEVEL: 'debug',
      DB_URL: 'postgres://u:p@db/x',
      SEED: 'off',
      ORIGINS: 'https://a.example, https://b.example,',
    };
    expect(loadConfig(specs, env)).toEqual({
      port: 3000,
      level: 'debug',
      dbUrl: 'postgres://u:p@db/x',
      seed: false,
      origins: ['https://a.example', 'https://b.example'],
    });
  });

  it('treats an empty variable as unset, so the default applies', () => {
    const config = loadConfig(specs, { PORT: '', DB_URL: '', ORIGINS: '' });
    expect(config.port).toBe(8080);
    expect(config.dbUrl).toBeUndefined();
    expect(config.origins).toEqual([]);
  });

  it('lists every bad variable at once, one line each', () => {
    const err = configErrorOf(() =>
      loadConfig(specs, { PORT: '70000', LEVEL: 'loud', SEED: 'maybe' }),
    );
    expect(err.problems).toEqual([
      'PORT="70000": must be between 1 and 65535',
      'LEVEL="loud": must be one of info, debug',
      'SEED="maybe": must be true or false',
    ]);
    expect(err.message.split('\n')).toHaveLength(1 + 3);
  });

  it('never shows a secret value in the error', () => {
    const secret = 'mysql://admin:hunter2@db.internal/prod';
    const err = configErrorOf(() => loadConfig(specs, { DB_URL: secret, PORT: 'x' }));
    expect(err.problems).toEqual([
      'PORT="x": must be an integer',
      'DB_URL=(secret value hidden): must use postgres or postgresql://',
    ]);
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain('mysql');
  });
});

describe('parsers', () => {
  it('int accepts integers within the inclusive range only', () => {
    const p = int(1, 10);
    expect(parsed(p, '1')).toBe(1);
    expect(parsed(p, '10')).toBe(10);
    expect(parsed(p, '0')).toBe('error: must be between 1 and 10');
    expect(parsed(p, '11')).toBe('error: must be between 1 and 10');
    expect(parsed(int(-5, 5), '-5')).toBe(-5);
    for (const bad of ['1.5', '1e3', ' 3', '0x10', 'ten'])
      expect(parsed(p, bad)).toBe('error: must be an integer');
  });

  it('oneOf accepts exactly the listed values', () => {
    const p = oneOf('a', 'b');
    expect(parsed(p, 'b')).toBe('b');
    expect(parsed(p, 'B')).toBe('error: must be one of a, b');
  });

  it('url checks that the value parses and uses an allowed protocol', () => {
    const p = url('http', 'https');
    expect(parsed(p, 'https://x.example/a')).toBe('https://x.example/a');
    expect(parsed(p, 'ftp://x.example')).toBe('error: must use http or https://');
    expect(parsed(p, 'not a url')).toBe('error: must be a URL');
    expect(parsed(url(), 'redis://x')).toBe('redis://x');
  });

  it('bool accepts the usual spellings in any case', () => {
    for (const t of ['1', 'true', 'YES', 'On']) expect(parsed(bool, t)).toBe(true);
    for (const f of ['0', 'false', 'No', 'OFF']) expect(parsed(bool, f)).toBe(false);
    expect(parsed(bool, 'y')).toBe('error: must be true or false');
  });

  it('list splits on commas, trimming and dropping empty items', () => {
    expect(list(' a ,b,, c ')).toEqual(['a', 'b', 'c']);
    expect(list('')).toEqual([]);
  });

  it('str enforces its maximum length', () => {
    expect(parsed(str(3), 'abc')).toBe('abc');
    expect(parsed(str(3), 'abcd')).toBe('error: must be at most 3 characters');
  });
});

describe('configTable', () => {
  it('renders a header and one row per variable with its reader, default and meaning', () => {
    const lines = configTable([
      { owner: 'kernel', specs: { port: specs.port, origins: specs.origins } },
      { owner: 'billing', specs: { dbUrl: specs.dbUrl, seed: specs.seed } },
    ]).split('\n');
    expect(lines).toEqual([
      '| variable | read by | default | meaning |',
      '| --- | --- | --- | --- |',
      '| `PORT` | kernel | `8080` | HTTP port |',
      '| `ORIGINS` | kernel | (empty) | CORS origins |',
      '| `DB_URL` | billing | — | database |',
      '| `SEED` | billing | `true` | seed demo data |',
    ]);
  });
});

describe('what redemption config shows', () => {
  const groups = [{ owner: 'kernel', specs }];

  it('each value in effect, or its default, secrets masked', () => {
    const lines = configInEffect(groups, {
      PORT: '3000',
      DB_URL: 'postgres://app:s3cret@db:5432/x',
    });
    expect(lines).toEqual([
      'kernel:',
      '  PORT     3000',
      '  LEVEL    info  (default)',
      '  DB_URL   postgres://app:***@db:5432/x',
      '  SEED     true  (default)',
      '  ORIGINS  (empty)  (default)',
    ]);
  });

  it('hides a secret that is not a URL, and a URL without a password keeps nothing back', () => {
    const token: VarSpec<string> = { name: 'T', description: 't', secret: true, parse: String };
    expect(shownValue(token, 'abcdefghijklmnopqrstuvwxyz012345')).toBe('(set, hidden)');
    expect(shownValue(token, 'redis://cache:6379')).toBe('redis://cache:6379');
    expect(shownValue(specs.port, '3000')).toBe('3000');
  });

  it('masks passwords in URLs, in the userinfo and in a password= parameter', () => {
    expect(maskedUrl('postgres://u:p%40ss@h/db?sslmode=require&password=x')).toBe(
      'postgres://u:***@h/db?sslmode=require&password=***',
    );
    expect(maskedUrl('not a url at all')).toBe('(hidden)');
  });
});

describe('platform config', () => {
  it('loads with an empty environment, every defaulted value typed as declared', () => {
    const config = loadPlatformConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dbPoolMax: 10,
      logLevel: 'info',
      corsOrigins: [],
      idempotencyTtlH: 24,
      shutdownTimeoutMs: 25_000,
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(demoDataWanted(config)).toBe(true);
  });

  it('hides the database and Redis URLs when they are invalid', () => {
    const err = configErrorOf(() =>
      loadPlatformConfig({ DATABASE_URL: 'http://u:pw1@h/db', REDIS_URL: 'http://u:pw2@h' }),
    );
    expect(err.problems).toHaveLength(2);
    expect(err.message).not.toMatch(/pw1|pw2/);
  });
  it('takes a METRICS_TOKEN of at least 32 printable characters, never echoing it', () => {
    const good = 'x'.repeat(32);
    expect(loadPlatformConfig({ METRICS_TOKEN: good }).metricsToken).toBe(good);
    for (const bad of ['short-secret', `${'y'.repeat(31)} z`]) {
      const err = configErrorOf(() => loadPlatformConfig({ METRICS_TOKEN: bad }));
      expect(err.problems[0]).toMatch(/^METRICS_TOKEN=\(secret value hidden\): /);
      expect(err.message).not.toContain(bad);
    }
  });
});
