import type { ServiceModule } from '@redemption/kernel';
import { createPaymentService } from './app/payment.service.ts';
import { createRefundService } from './app/refund.service.ts';
import { createStripeWebhookService } from './app/stripe-webhook.service.ts';
import { paymentsRoutes } from './http/payments.routes.ts';
import { stripeWebhookRoutes } from './http/stripe-webhook.routes.ts';
import { createProvider } from './providers/create-provider.ts';
import { paymentsMigrations } from './store/payments.migrations.ts';
import { paymentsConfig } from './payments.config.ts';

export { paymentsConfig } from './payments.config.ts';

/**
 * Payments: charges an order once through a provider (simulated or Stripe), refunds, Stripe
 * webhooks. Stores card brand and last4 only; tokens and card numbers are never stored or logged.
 */
export const paymentsModule: ServiceModule<typeof paymentsConfig> = {
  name: 'payments',
  migrations: paymentsMigrations,
  config: paymentsConfig,
  async init(ctx) {
    const provider = createProvider(ctx.config);
    const refunds = createRefundService({ provider, events: ctx.events });
    const payments = createPaymentService({ db: ctx.db, provider, events: ctx.events, refunds });
    const webhooks = createStripeWebhookService({
      db: ctx.db,
      events: ctx.events,
      log: ctx.log,
      provider,
      refunds,
      webhookSecret: ctx.config.stripeWebhookSecret,
    });
    ctx.log.info({ provider: provider.name }, 'payments provider');
    // Without the secret every webhook is refused (503), so charges whose answer was lost and
    // refunds made in Stripe's dashboard are never reconciled: say so once, at start-up.
    if (!ctx.config.stripeWebhookSecret)
      ctx.log.warn(
        { provider: provider.name },
        'STRIPE_WEBHOOK_SECRET is not set: Stripe webhooks are refused (503) and not reconciled',
      );
    return {
      async routes(app) {
        await paymentsRoutes(app, { payments, refunds, idempotency: ctx.idempotency });
        await stripeWebhookRoutes(app, webhooks);
      },
    };
  },
};
