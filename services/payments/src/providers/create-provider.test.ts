import { loadConfig, type Env } from '@redemption/kernel';
import { paymentsConfig } from '../payments.config.ts';
import { describe, expect, it } from 'vitest';
import { createProvider } from './create-provider.ts';

/** Payments' own settings from `env`, as the kernel hands them to the module. */
const settings = (env: Env) => loadConfig(paymentsConfig, env);

describe('provider selection', () => {
  it('is simulated by default', () => {
    expect(createProvider(settings({})).name).toBe('simulated');
  });

  it('refuses to start with PAYMENT_PROVIDER=stripe and no STRIPE_SECRET_KEY', () => {
    expect(() => createProvider(settings({ PAYMENT_PROVIDER: 'stripe' }))).toThrow(
      /STRIPE_SECRET_KEY/,
    );
    const config = settings({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
    });
    expect(createProvider(config).name).toBe('stripe');
  });
});
