import { paymentFailed, paymentSucceeded } from '@redemption/contracts';
import { newId, type Db, type Publisher, type Queryable } from '@redemption/kernel';
import { sameOrderVerdict, type ChargeRequest, type Payment } from '../domain/payment.ts';
import {
  InvalidPaymentToken,
  PaymentDeclined,
  type ChargeResult,
  type PaymentProvider,
} from '../providers/payment-provider.ts';
import { dropAttempt, paymentsRepository as payments } from '../store/payments.repository.ts';
import {
  invalidToken,
  orderAlreadyPaid,
  paymentDeclined,
  paymentInProgress,
  providerError,
} from './payment-problems.ts';

export interface Processed {
  /** 201 for a new charge, 200 when the order's existing payment is returned. */
  status: 200 | 201;
  payment: Payment;
}

/** Runs inside the transaction that records the outcome (the idempotency key's completion). */
export type OnCommit = (q: Queryable, out: Processed) => Promise<void>;

export interface PaymentServiceDeps {
  db: Db;
  provider: PaymentProvider;
  events: Publisher;
}

/**
 * Charges an order once. The provider is called outside any transaction (a slow provider must
 * not hold a connection); a pending attempt row is the order's lock meanwhile, so two requests
 * for one order never both charge. Failures are recorded as attempts, never in payments.
 */
export function createPaymentService({ db, provider, events }: PaymentServiceDeps) {
  async function answerExisting(existing: Payment, req: ChargeRequest, onCommit: OnCommit) {
    if (sameOrderVerdict(existing, req) === 'conflict') throw orderAlreadyPaid(existing.id);
    const out: Processed = { status: 200, payment: existing };
    await db.tx((q) => onCommit(q, out));
    return out;
  }

  async function recordFailure(attemptId: string, req: ChargeRequest, err: unknown) {
    if (err instanceof InvalidPaymentToken) {
      await dropAttempt(db, attemptId);
      return invalidToken();
    }
    const declined = err instanceof PaymentDeclined ? err : null;
    const outcome = declined ? 'declined' : 'provider_error';
    await db.tx(async (q) => {
      await payments.settleAttempt(q, attemptId, outcome, {
        declineCode: declined?.declineCode ?? null,
      });
      await events.publish(q, paymentFailed, {
        subject: req.order_id,
        data: {
          attempt_id: attemptId,
          order_id: req.order_id,
          member_id: req.member_id,
          amount: req.amount,
          currency: req.currency,
          provider: provider.name,
          outcome,
          decline_code: declined?.declineCode ?? null,
        },
      });
    });
    return declined ? paymentDeclined(declined.declineCode) : providerError();
  }

  async function recordSuccess(
    attemptId: string,
    req: ChargeRequest,
    charge: ChargeResult,
    onCommit: OnCommit,
  ): Promise<Processed | null> {
    return db.tx(async (q) => {
      const inserted = await payments.insert(q, {
        id: newId(),
        order_id: req.order_id,
        member_id: req.member_id,
        amount: req.amount,
        currency: req.currency,
        transaction_id: charge.transactionId,
        provider: provider.name,
        card: charge.card,
      });
      // The Stripe webhook may have recorded this very charge first (and published the event).
      const payment = inserted ?? (await ownedByWebhook(q, req.order_id, charge.transactionId));
      if (!payment) return null;
      await payments.settleAttempt(q, attemptId, 'succeeded', { paymentId: payment.id });
      if (inserted) await publishSucceeded(events, q, inserted);
      const out: Processed = { status: 201, payment };
      await onCommit(q, out);
      return out;
    });
  }

  async function ownedByWebhook(q: Queryable, orderId: string, transactionId: string) {
    const paid = await payments.byOrder(q, orderId);
    return paid?.transaction_id === transactionId ? paid : null;
  }

  /** Only after a stale pending attempt was taken over: the order got paid meanwhile. */
  async function undoDuplicate(
    attemptId: string,
    charge: ChargeResult,
    req: ChargeRequest,
    key: string,
  ) {
    await provider.refund({
      transactionId: charge.transactionId,
      amount: req.amount,
      idempotencyKey: `${key}:duplicate`,
    });
    await payments.settleAttempt(db, attemptId, 'duplicate');
  }

  return {
    get: (id: string) => payments.get(db, id),
    byOrder: (orderId: string) => payments.byOrder(db, orderId),

    /** `providerKey` must be the same on every retry of one request (derived from its key). */
    async process(req: ChargeRequest, providerKey: string, onCommit: OnCommit): Promise<Processed> {
      const existing = await payments.byOrder(db, req.order_id);
      if (existing) return answerExisting(existing, req, onCommit);
      const attemptId = newId();
      const started = await payments.startAttempt(db, {
        ...req,
        id: attemptId,
        provider: provider.name,
      });
      if (!started) throw paymentInProgress();
      let charge: ChargeResult;
      try {
        charge = await provider.charge({
          amount: req.amount,
          currency: req.currency,
          token: req.token,
          idempotencyKey: providerKey,
          metadata: { order_id: req.order_id, member_id: req.member_id, attempt_id: attemptId },
        });
      } catch (err) {
        throw await recordFailure(attemptId, req, err);
      }
      const done = await recordSuccess(attemptId, req, charge, onCommit);
      if (done) return done;
      await undoDuplicate(attemptId, charge, req, providerKey);
      const paid = await payments.byOrder(db, req.order_id);
      return answerExisting(paid!, req, onCommit);
    },
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;

/** payment_succeeded, in the transaction that inserted the payment. */
export const publishSucceeded = (events: Publisher, q: Queryable, payment: Payment) =>
  events.publish(q, paymentSucceeded, {
    subject: payment.order_id,
    data: {
      payment_id: payment.id,
      order_id: payment.order_id,
      member_id: payment.member_id,
      amount: payment.amount,
      currency: payment.currency,
      provider: payment.provider,
      transaction_id: payment.transaction_id,
    },
  });
