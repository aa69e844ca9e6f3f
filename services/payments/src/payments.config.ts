import { type ConfigSpecs, int, oneOf, str, url } from '@redemption/kernel';

/**
 * Payments' settings: the provider (simulated or Stripe) and its keys. The kernel validates them
 * at start-up when payments runs in the process, and lists them in `redemption config` and the
 * README.
 */
export const paymentsConfig = {
  paymentProvider: {
    name: 'PAYMENT_PROVIDER',
    default: 'simulated',
    description:
      'simulated (Stripe-style test tokens, no network) or stripe (needs STRIPE_SECRET_KEY)',
    parse: oneOf('simulated', 'stripe'),
  },
  stripeSecretKey: {
    name: 'STRIPE_SECRET_KEY',
    description: 'Stripe secret key; with PAYMENT_PROVIDER=stripe, payments go through Stripe',
    secret: true,
    parse: str(256),
  },
  stripeWebhookSecret: {
    name: 'STRIPE_WEBHOOK_SECRET',
    description: 'signing secret of the Stripe webhook endpoint (whsec_...)',
    secret: true,
    parse: str(256),
  },
  stripePublishableKey: {
    name: 'STRIPE_PUBLISHABLE_KEY',
    description:
      'Stripe publishable key (pk_...); when set, the web app takes cards with Stripe Elements instead of test tokens',
    parse: str(256),
  },
  stripeApiBase: {
    name: 'STRIPE_API_BASE',
    default: 'https://api.stripe.com',
    description:
      "Stripe API base URL (tests point it at a local server that answers like Stripe's)",
    parse: url('http', 'https'),
  },
  simulatedSlowMs: {
    name: 'SIMULATED_SLOW_MS',
    default: '6000',
    description: 'how long the simulated provider takes for the `tok_slow` test token (ms)',
    parse: int(0, 120_000),
  },
} satisfies ConfigSpecs;
