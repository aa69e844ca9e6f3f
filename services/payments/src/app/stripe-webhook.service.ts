import Stripe from 'stripe';
import {
  ProblemError,
  badRequest,
  newId,
  type Db,
  type Logger,
  type Publisher,
  type Queryable,
} from '@redemption/kernel';
import type { PaymentProvider } from '../providers/payment-provider.ts';
import { attemptsRepository as attempts, lockOrder } from '../store/attempts.repository.ts';
import { paymentsRepository as payments } from '../store/payments.repository.ts';
import { refundsRepository, webhookEventsRepository } from '../store/refunds.repository.ts';
import { publishSucceeded } from './payment-events.ts';
import { applyRefund, type RefundService } from './refund.service.ts';
import {
  chargeProblems,
  envelopeProblems,
  intentProblems,
  type ChargeObject,
  type EventEnvelope,
  type IntentObject,
  type ShapeProblem,
} from './stripe-event-shapes.ts';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WebhookResult {
  received: true;
  /** True when this event id was handled before (Stripe redelivers). */
  duplicate: boolean;
  /** Present (true) when a known event's object did not have the shape we read: logged, skipped. */
  ignored?: true;
}

const invalidEvent = (detail: string, problems: ShapeProblem[]): ProblemError =>
  new ProblemError(400, 'invalid-webhook-event', 'Invalid webhook event', detail, {
    errors: problems.map((p) => ({
      field: `body.${p.field}`.replace(/\.$/, ''),
      message: p.message,
    })),
  });

/** The event's object, checked against what we read of it; null for types we do not handle. */
const objectProblems: Record<string, (object: unknown) => ShapeProblem[]> = {
  'payment_intent.succeeded': intentProblems,
  'charge.refunded': chargeProblems,
};

/**
 * Stripe webhooks: verified against STRIPE_WEBHOOK_SECRET, each event id handled once (recorded
 * in webhook_events in the transaction of its effect, so a failure lets Stripe's retry redo it).
 * They reconcile what the synchronous calls may have missed: a charge whose response we lost,
 * and refunds made in Stripe's dashboard.
 */
export function createStripeWebhookService(deps: {
  db: Db;
  events: Publisher;
  log: Logger;
  provider: PaymentProvider;
  refunds: RefundService;
  webhookSecret: string | undefined;
}) {
  const { db, events, log, provider, refunds, webhookSecret } = deps;

  function verify(rawBody: string, signature: string | undefined): EventEnvelope {
    if (!webhookSecret)
      throw new ProblemError(
        503,
        'webhooks-not-configured',
        'Webhooks are not configured',
        'STRIPE_WEBHOOK_SECRET is not set',
      );
    if (!signature)
      throw badRequest('The Stripe-Signature header is required', 'headers.stripe-signature');
    let event: unknown;
    try {
      event = Stripe.webhooks.constructEvent(rawBody, signature, webhookSecret);
    } catch (err) {
      // Signed but not JSON: only a sender holding our secret could produce it; say what is wrong.
      if (err instanceof SyntaxError)
        throw invalidEvent('The signed body is not JSON', [{ field: '', message: 'is not JSON' }]);
      throw new ProblemError(
        400,
        'invalid-signature',
        'Invalid webhook signature',
        'The Stripe-Signature header does not match the payload (or is too old)',
        { errors: [{ field: 'headers.stripe-signature', message: 'does not verify' }] },
      );
    }
    // Not an event at all (no id, type or data.object): nothing Stripe sends; 400, no record.
    const problems = envelopeProblems(event);
    if (problems.length > 0) throw invalidEvent('The body is not a Stripe event', problems);
    return event as EventEnvelope;
  }

  /**
   * A charge succeeded at Stripe: recorded unless it is already (a lost response, a crash
   * between confirm and record). Under the order's lock, so that for a voided order (checkout
   * undone or cancelled) it is refunded at once, and a second charge of a paid order goes back.
   */
  async function intentSucceeded(q: Queryable, intent: IntentObject): Promise<void> {
    const orderId = intent.metadata?.['order_id'] ?? '';
    const memberId = intent.metadata?.['member_id'] ?? '';
    // Only charges this service started carry our metadata; others are not ours to record.
    if (!uuidPattern.test(orderId) || !uuidPattern.test(memberId)) return;
    await lockOrder(q, orderId);
    if (await payments.byTransaction(q, 'stripe', intent.id)) return;
    const inserted = await payments.insert(q, {
      id: newId(),
      order_id: orderId,
      member_id: memberId,
      amount: intent.amount,
      currency: intent.currency.toUpperCase(),
      transaction_id: intent.id,
      provider: 'stripe',
      card: null,
    });
    if (!inserted) return duplicateCharge(q, intent, orderId);
    await attempts.settleByTransaction(q, intent.id, 'succeeded', inserted.id);
    await publishSucceeded(events, q, inserted);
    await refunds.refundIfVoided(q, inserted);
  }

  /** The order was paid by another charge: this one was taken twice and goes back in full. */
  async function duplicateCharge(q: Queryable, intent: IntentObject, orderId: string) {
    log.warn(
      { order_id: orderId, transaction_id: intent.id },
      'second successful charge for a paid order: refunding it',
    );
    await provider.refund({
      transactionId: intent.id,
      amount: intent.amount,
      idempotencyKey: `${intent.id}:duplicate`,
    });
    await attempts.settleByTransaction(q, intent.id, 'duplicate', null);
  }

  async function chargeRefunded(q: Queryable, charge: ChargeObject, eventId: string) {
    if (!charge.payment_intent) return;
    const payment = await payments.byTransaction(q, 'stripe', charge.payment_intent);
    if (!payment) return;
    const missing = Math.min(charge.amount_refunded, payment.amount) - payment.refunded_amount;
    if (missing <= 0) return; // our own refund, already recorded
    const latest = charge.refunds?.data?.[0]?.id;
    const providerRefundId =
      latest && !(await refundsRepository.existsForProviderId(q, latest))
        ? latest
        : `${charge.id}:${eventId}`;
    const refund = await refundsRepository.insert(q, {
      id: newId(),
      payment_id: payment.id,
      amount: missing,
      reason: 'refunded in Stripe',
      provider_refund_id: providerRefundId,
    });
    await applyRefund(q, events, payment, refund);
  }

  return {
    async handle(rawBody: string, signature: string | undefined): Promise<WebhookResult> {
      const event = verify(rawBody, signature);
      return db.tx(async (q): Promise<WebhookResult> => {
        if (!(await webhookEventsRepository.claim(q, event.id, event.type)))
          return { received: true, duplicate: true };
        const object: unknown = event.data.object;
        // A known event whose object we cannot read: a retry would not fix it, and any non-2xx
        // makes Stripe redeliver for days. Acknowledge it (recorded, so once) and say so loudly.
        const problems = objectProblems[event.type]?.(object) ?? [];
        if (problems.length > 0) {
          log.warn(
            { stripe_event_id: event.id, stripe_event_type: event.type, problems },
            'Stripe webhook event ignored: unexpected object shape',
          );
          return { received: true, duplicate: false, ignored: true };
        }
        if (event.type === 'payment_intent.succeeded')
          await intentSucceeded(q, object as IntentObject);
        if (event.type === 'charge.refunded')
          await chargeRefunded(q, object as ChargeObject, event.id);
        return { received: true, duplicate: false };
      });
    },
  };
}

export type StripeWebhookService = ReturnType<typeof createStripeWebhookService>;
