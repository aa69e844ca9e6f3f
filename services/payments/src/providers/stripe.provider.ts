import Stripe from 'stripe';
import type { DeclineCode } from '../domain/payment.ts';
import {
  InvalidPaymentToken,
  PaymentDeclined,
  ProviderUnavailable,
  type ChargeInput,
  type PaymentProvider,
} from './payment-provider.ts';

/** One Stripe call may take this long before we give up (502; the key makes a retry safe). */
const stripeTimeoutMs = 15_000;
/** The library retries 409/5xx/network errors with the same Idempotency-Key. */
const stripeNetworkRetriesMax = 1;

export interface StripeProviderOptions {
  secretKey: string;
  /** STRIPE_API_BASE: https://api.stripe.com, or a local fake in tests. */
  apiBase: string;
}

/** The library's client, pointed at `apiBase` (host, port, protocol come from the URL). */
export function stripeClient(opts: StripeProviderOptions): Stripe {
  const base = new URL(opts.apiBase);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(opts.secretKey, {
    host: base.hostname,
    port: base.port || (protocol === 'http' ? 80 : 443),
    protocol,
    timeout: stripeTimeoutMs,
    maxNetworkRetries: stripeNetworkRetriesMax,
    telemetry: false,
  });
}

/**
 * Charges through Stripe PaymentIntents (card only, confirmed at once). `pm_…` tokens are used
 * as they are; `tok_…` tokens first become a PaymentMethod (`card[token]`, Stripe's documented
 * path for legacy tokens). Every call carries an Idempotency-Key derived from the caller's.
 */
export function createStripeProvider(opts: StripeProviderOptions): PaymentProvider {
  const stripe = stripeClient(opts);

  async function paymentMethodOf(input: ChargeInput): Promise<string> {
    if (input.token.startsWith('pm_')) return input.token;
    const pm = await stripe.paymentMethods.create(
      { type: 'card', card: { token: input.token } },
      { idempotencyKey: `${input.idempotencyKey}:pm` },
    );
    return pm.id;
  }

  return {
    name: 'stripe',
    async charge(input) {
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: input.amount,
            currency: input.currency.toLowerCase(),
            // Cards only (this API version's name for `payment_method_types`), confirmed now;
            // 3-D Secure cannot happen server to server, so it fails instead of waiting.
            allowed_payment_method_types: ['card'],
            payment_method: await paymentMethodOf(input),
            confirm: true,
            error_on_requires_action: true,
            metadata: input.metadata,
            expand: ['latest_charge'],
          },
          { idempotencyKey: input.idempotencyKey },
        );
        if (intent.status !== 'succeeded')
          throw new PaymentDeclined('card_declined', intent.status);
        const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
        const card = charge?.payment_method_details?.card;
        return {
          transactionId: intent.id,
          card: card ? { brand: card.brand ?? 'unknown', last4: card.last4 ?? '????' } : null,
        };
      } catch (err) {
        throw mapStripeError(err);
      }
    },
    async refund(input) {
      try {
        const refund = await stripe.refunds.create(
          { payment_intent: input.transactionId, amount: input.amount },
          { idempotencyKey: input.idempotencyKey },
        );
        return { refundId: refund.id };
      } catch (err) {
        const mapped = mapStripeError(err);
        // A refund Stripe refuses (already refunded, disputed) is not something a retry fixes,
        // but our ledger said it was refundable: surface it as a provider error to investigate.
        throw mapped instanceof ProviderUnavailable
          ? mapped
          : new ProviderUnavailable(mapped.message);
      }
    },
  };
}

const declineCodeOf = (stripeCode: string | undefined): DeclineCode =>
  stripeCode === 'insufficient_funds' ? 'insufficient_funds' : 'card_declined';

/** card_error → declined; a token Stripe does not know → invalid; everything else → 502. */
export function mapStripeError(err: unknown): Error {
  if (err instanceof PaymentDeclined) return err;
  if (err instanceof Stripe.errors.StripeCardError) {
    const code = err.decline_code ?? err.code;
    return new PaymentDeclined(declineCodeOf(code), code ?? null);
  }
  if (
    err instanceof Stripe.errors.StripeInvalidRequestError &&
    err.code === 'resource_missing' &&
    /token|payment_method/.test(err.param ?? '')
  ) {
    return new InvalidPaymentToken('Stripe does not know this token');
  }
  const what =
    err instanceof Stripe.errors.StripeError ? `${err.type} ${err.statusCode ?? ''}` : 'error';
  return new ProviderUnavailable(`Stripe ${what}`.trim());
}
