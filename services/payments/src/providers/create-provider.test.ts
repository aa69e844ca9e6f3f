import { loadPlatformConfig } from '@redemption/kernel';
import { describe, expect, it } from 'vitest';
import { createProvider } from './create-provider.ts';

describe('provider selection', () => {
  it('is simulated by default', () => {
    expect(createProvider(loadPlatformConfig({})).name).toBe('simulated');
  });

  it('refuses to start with PAYMENT_PROVIDER=stripe and no STRIPE_SECRET_KEY', () => {
    expect(() => createProvider(loadPlatformConfig({ PAYMENT_PROVIDER: 'stripe' }))).toThrow(
      /STRIPE_SECRET_KEY/,
    );
    const config = loadPlatformConfig({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
    });
    expect(createProvider(config).name).toBe('stripe');
  });
});
