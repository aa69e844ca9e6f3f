import Stripe from 'stripe';
import type { DeclineCode } from '../domain/payment.ts';
import {
  InvalidPaymentToken,
  PaymentDeclined,
  ProviderUnavailable,
  type ChargeInput,
  type ChargeState,
  type PaymentProvider,
} from './payment-provider.ts';

/**
 * One Stripe call may take this long before we give up; the library then retries once with the
 * same Idempotency-Key. A charge is at most three calls (PaymentMethod, create, confirm), so
 * payments answers within `stripeCallsPerChargeMax × stripeTimeoutMs × (1 + retries)`, which
 * must fit `chargeProcessingMaxMs` (contracts; checked in stripe.provider.test.ts).
 */
export const stripeTimeoutMs = 10_000;
/** The library retries 409/5xx/network errors with the same Idempotency-Key. */
export const stripeNetworkRetriesMax = 1;
export const stripeCallsPerChargeMax = 3;

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

type Intent = Stripe.PaymentIntent;

const chargeOf = (intent: Intent) => {
  const charge = typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  const card = charge?.payment_method_details?.card;
  return {
    transactionId: intent.id,
    card: card ? { brand: card.brand ?? 'unknown', last4: card.last4 ?? '????' } : null,
  };
};

/** A PaymentIntent's status in our terms (payment-provider.ts ChargeState). */
export function stateOf(intent: Intent): ChargeState {
  switch (intent.status) {
    case 'succeeded':
      return { status: 'succeeded', charge: chargeOf(intent) };
    case 'requires_confirmation':
      return { status: 'requires_confirmation' };
    case 'canceled':
      return { status: 'canceled' };
    // A failed confirmation leaves the intent waiting for another payment method; 3-D Secure
    // (requires_action) cannot happen server to server (error_on_requires_action).
    case 'requires_payment_method':
    case 'requires_action': {
      const code = intent.last_payment_error?.decline_code ?? intent.last_payment_error?.code;
      return {
        status: 'failed',
        declineCode: intent.last_payment_error ? declineCodeOf(code) : null,
      };
    }
    default:
      // processing, requires_capture (we never ask for manual capture) or a status newer than
      // this code: not settled; ask again later.
      return { status: 'processing' };
  }
}

const expandCharge = { expand: ['latest_charge'] };

/**
 * Charges through Stripe PaymentIntents (card only): created unconfirmed (its id is stored
 * before any money can move), then confirmed. `pm_…` tokens are used as they are; `tok_…`
 * tokens first become a PaymentMethod (`card[token]`, Stripe's documented path for legacy
 * tokens). Every call carries an Idempotency-Key derived from the caller's.
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

  /** Runs a Stripe call, mapping its errors (mapStripeError). */
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw mapStripeError(err);
    }
  };

  return {
    name: 'stripe',
    prepare: (input) =>
      call(async () => {
        const intent = await stripe.paymentIntents.create(
          {
            amount: input.amount,
            currency: input.currency.toLowerCase(),
            // Cards only (this API version's name for `payment_method_types`).
            allowed_payment_method_types: ['card'],
            payment_method: await paymentMethodOf(input),
            metadata: input.metadata,
          },
          { idempotencyKey: input.idempotencyKey },
        );
        return { transactionId: intent.id };
      }),
    confirm: (input) =>
      call(async () => {
        const intent = await stripe.paymentIntents.confirm(
          input.transactionId,
          // 3-D Secure cannot happen server to server, so it fails instead of waiting.
          { error_on_requires_action: true, ...expandCharge },
          { idempotencyKey: input.idempotencyKey },
        );
        const state = stateOf(intent);
        if (state.status === 'succeeded') return state.charge;
        if (state.status === 'failed')
          throw new PaymentDeclined(state.declineCode ?? 'card_declined', intent.status);
        // Still processing: the outcome is unknown until retrieve says.
        throw new ProviderUnavailable(`Stripe PaymentIntent ${intent.status}`);
      }),
    retrieve: (transactionId) =>
      call(async () => stateOf(await stripe.paymentIntents.retrieve(transactionId, expandCharge))),
    async cancel(transactionId, idempotencyKey) {
      try {
        const intent = await stripe.paymentIntents.cancel(transactionId, {}, { idempotencyKey });
        return stateOf(intent);
      } catch (err) {
        // Not cancelable any more (confirmed meanwhile): say what it became instead.
        if (err instanceof Stripe.errors.StripeInvalidRequestError)
          return call(async () =>
            stateOf(await stripe.paymentIntents.retrieve(transactionId, expandCharge)),
          );
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
