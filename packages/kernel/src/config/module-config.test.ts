import { describe, expect, it } from 'vitest';
import { buildPlatform } from '../runtime/build-platform.ts';
import type { ServiceModule } from '../service.ts';
import { createTestTokens } from '../testing/test-tokens.ts';
import { ConfigError, int, str, type ConfigSpecs } from './config.ts';
import { configGroups, serviceUrls, serviceUrlVarName } from './module-config.ts';
import { kernelVars, loadPlatformConfig } from './platform-config.ts';

const billingConfig = {
  invoiceDays: {
    name: 'INVOICE_DAYS',
    default: '30',
    description: 'days to pay',
    parse: int(1, 90),
  },
  billingKey: { name: 'BILLING_KEY', description: 'key', secret: true, parse: str(8) },
} satisfies ConfigSpecs;

/** A module with variables of its own that records the config its `init` was handed. */
function billing(seen: { config?: unknown } = {}): ServiceModule<typeof billingConfig> {
  return {
    name: 'billing',
    migrations: { schema: 'billing', migrations: [] },
    config: billingConfig,
    needs: ['ledger-archive'],
    async init(ctx) {
      seen.config = { invoiceDays: ctx.config.invoiceDays, port: ctx.config.port };
      return { async routes() {} };
    },
  };
}

/** The ConfigError `fn` throws. */
function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('a module declares its variables', () => {
  it("validates the kernel's and the running modules' variables together, secrets hidden", () => {
    const env = {
      PORT: 'eighty',
      INVOICE_DAYS: '400',
      BILLING_KEY: 'much too long a key',
      LEDGER_ARCHIVE_URL: 'ftp://archive',
    };
    expect(problemsOf(() => loadPlatformConfig(env, [billing()]))).toEqual([
      'PORT="eighty": must be an integer',
      'INVOICE_DAYS="400": must be between 1 and 90',
      'BILLING_KEY=(secret value hidden): must be at most 8 characters',
      'LEDGER_ARCHIVE_URL="ftp://archive": must use http or https://',
    ]);
    // A module that does not run here is not validated.
    expect(() => loadPlatformConfig({ INVOICE_DAYS: '400' }, [])).not.toThrow();
  });

  it("hands each module the kernel's values with its own, from the config's environment", async () => {
    const seen: { config?: unknown } = {};
    const config = loadPlatformConfig({
      DATA_DIR: 'memory://',
      LOG_LEVEL: 'silent',
      PORT: '9999',
      INVOICE_DAYS: '14',
      LEDGER_ARCHIVE_URL: 'http://127.0.0.1:9',
    });
    const platform = await buildPlatform({
      config,
      modules: [billing(seen)],
      name: 'billing',
      version: 'test',
      jwtKeys: (await createTestTokens()).keys,
    });
    await platform.close();
    expect(seen.config).toEqual({ invoiceDays: 14, port: 9999 });
  });

  it('refuses to build when a module variable is bad, before opening anything', async () => {
    const config = loadPlatformConfig({ DATA_DIR: 'memory://', INVOICE_DAYS: '0' });
    await expect(
      buildPlatform({ config, modules: [billing()], name: 'billing', version: 'test' }),
    ).rejects.toThrow(/INVOICE_DAYS="0": must be between 1 and 90/);
  });
});

describe('service URLs follow from the name', () => {
  it('<NAME>_URL, for any service', () => {
    expect(serviceUrlVarName('loyalty')).toBe('LOYALTY_URL');
    expect(serviceUrlVarName('ledger-archive')).toBe('LEDGER_ARCHIVE_URL');
    expect(serviceUrls(['loyalty', 'notifications'], { NOTIFICATIONS_URL: 'http://n:1' })).toEqual({
      loyalty: undefined,
      notifications: 'http://n:1',
    });
  });
});

describe('configGroups', () => {
  it("lists the kernel's variables, then each module's URL and its own", () => {
    const groups = configGroups(kernelVars, [billing()]);
    expect(groups.map((g) => g.owner)).toEqual(['kernel', 'billing']);
    expect(Object.values(groups[1]!.specs).map((s) => s.name)).toEqual([
      'BILLING_URL',
      'INVOICE_DAYS',
      'BILLING_KEY',
    ]);
  });

  it('refuses a variable declared twice, or a key that would hide a kernel value', () => {
    const twice = { ...billing(), name: 'billing2' };
    expect(() => configGroups(kernelVars, [billing(), twice])).toThrow(
      /INVOICE_DAYS is declared by both billing and billing2/,
    );
    const shadow = { ...billing(), config: { port: { ...billingConfig.invoiceDays, name: 'X' } } };
    expect(() => configGroups(kernelVars, [shadow as ServiceModule])).toThrow(
      /billing config key port shadows the kernel's/,
    );
  });
});
