import type { ConfigValues } from '@redemption/kernel';
import type { paymentsConfig } from '../payments.config.ts';
import type { PaymentProvider } from './payment-provider.ts';
import { createSimulatedProvider } from './simulated.provider.ts';
import { createStripeProvider } from './stripe.provider.ts';

/** PAYMENT_PROVIDER picks the provider; Stripe without its key fails at start-up, not per charge. */
export function createProvider(config: ConfigValues<typeof paymentsConfig>): PaymentProvider {
  if (config.paymentProvider === 'stripe') {
    if (!config.stripeSecretKey)
      throw new Error('PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY (the Stripe secret key)');
    return createStripeProvider({
      secretKey: config.stripeSecretKey,
      apiBase: config.stripeApiBase,
    });
  }
  return createSimulatedProvider({ slowMs: config.simulatedSlowMs });
}
