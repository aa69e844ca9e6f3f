import { problemResponses, type App } from '@redemption/kernel';
import type { StripeWebhookService } from '../app/stripe-webhook.service.ts';
import { StripeSignatureHeader, WebhookAck } from './payments.schemas.ts';

/** Stripe's events (a charge with its objects) can outgrow the platform's 64 KiB default. */
const webhookBodyLimitBytes = 512 * 1024;

/**
 * `POST /api/payments/webhooks/stripe`, public (Stripe signs instead of sending a token). The
 * signature covers the exact bytes Stripe sent, so this route, in its own encapsulated scope,
 * keeps the JSON body as the raw string rather than parsing it.
 */
export async function stripeWebhookRoutes(app: App, webhooks: StripeWebhookService): Promise<void> {
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    scope.post('/api/payments/webhooks/stripe', {
      config: { public: true },
      bodyLimit: webhookBodyLimitBytes,
      schema: {
        tags: ['payments'],
        operationId: 'receiveStripeWebhook',
        summary: 'Stripe webhook (payment_intent.succeeded, charge.refunded); signed by Stripe',
        headers: StripeSignatureHeader,
        response: { 200: WebhookAck, ...problemResponses(503) },
      },
      handler: async (req) => {
        const raw = typeof req.body === 'string' ? req.body : '';
        const signature = req.headers['stripe-signature'];
        return webhooks.handle(raw, typeof signature === 'string' ? signature : undefined);
      },
    });
  });
}
