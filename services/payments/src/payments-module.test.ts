import { loadConfig, loadPlatformConfig } from '@redemption/kernel';
import { describe, expect, it } from 'vitest';
import { paymentsConfig, paymentsModule } from './index.ts';

/** The start-up log lines of payments, with only what init reads from its context. */
async function startupWarnings(env: Record<string, string>): Promise<string[]> {
  const warnings: string[] = [];
  const log = {
    info: () => undefined,
    warn: (_obj: unknown, msg: string) => void warnings.push(msg),
  };
  const config = { ...loadPlatformConfig(env), ...loadConfig(paymentsConfig, env) };
  const ctx = { config, db: {}, events: {}, log } as unknown;
  await paymentsModule.init(ctx as Parameters<typeof paymentsModule.init>[0]);
  return warnings;
}

describe('payments start-up', () => {
  it('warns when no Stripe webhook secret is configured', async () => {
    expect(await startupWarnings({})).toEqual([
      expect.stringMatching(/STRIPE_WEBHOOK_SECRET is not set/),
    ]);
    const stripe = { PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_x' };
    expect(await startupWarnings(stripe)).toHaveLength(1);
  });

  it('says nothing when it is', async () => {
    expect(await startupWarnings({ STRIPE_WEBHOOK_SECRET: 'whsec_x' })).toEqual([]);
  });
});
