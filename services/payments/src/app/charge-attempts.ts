import { paymentFailed } from '@redemption/contracts';
import { newId, ProblemError, type Db, type Publisher, type Queryable } from '@redemption/kernel';
import type { DeclineCode, Payment } from '../domain/payment.ts';
import {
  InvalidPaymentToken,
  PaymentDeclined,
  ProviderUnavailable,
  type ChargeResult,
  type ChargeState,
  type PaymentProvider,
} from '../providers/payment-provider.ts';
import {
  attemptsRepository as attempts,
  lockOrder,
  voidedOrdersRepository as voided,
  type Attempt,
} from '../store/attempts.repository.ts';
import { paymentsRepository as payments } from '../store/payments.repository.ts';
import {
  invalidToken,
  orderVoided,
  paymentDeclined,
  paymentInProgress,
  providerError,
} from './payment-problems.ts';
import { publishSucceeded } from './payment-events.ts';
import type { RefundService } from './refund.service.ts';

export interface Processed {
  /** 201 for a new charge, 200 when the order's existing payment is returned. */
  status: 200 | 201;
  payment: Payment;
}

/** Runs inside the transaction that records the outcome (the idempotency key's completion). */
export type OnCommit = (q: Queryable, out: Processed) => Promise<void>;

/** The attempt ended without a charge (or the order got its payment another way): look again. */
export class StartOver extends Error {}

export interface ChargeAttemptsDeps {
  db: Db;
  provider: PaymentProvider;
  events: Publisher;
  refunds: RefundService;
}

type Prepared = Attempt & { transaction_id: string };

/**
 * One charge attempt from start to settlement. The provider's charge is created first and its
 * id stored (fenced: only while the attempt is pending and the order not voided), then
 * confirmed. Whatever is unknown afterwards (a timeout, a killed process) is settled by asking
 * the provider what became of that id: succeeded is recorded, failed or cancelled frees the
 * order, processing is "retry later". An unconfirmed charge is cancelled before its attempt is
 * given up, so it can never succeed behind our back.
 */
export function createChargeAttempts({ db, provider, events, refunds }: ChargeAttemptsDeps) {
  /** The provider's keys of this attempt: a takeover drives the very same charge. */
  const keyOf = (a: Attempt, part = ''): string => `${a.provider_key}:${a.id}${part}`;

  async function recordFailure(a: Attempt, declineCode: DeclineCode | null) {
    const outcome = declineCode ? 'declined' : 'provider_error';
    await db.tx(async (q) => {
      if (!(await attempts.settle(q, a.id, outcome, { declineCode }))) return;
      await events.publish(q, paymentFailed, {
        subject: a.order_id,
        data: {
          ...{ attempt_id: a.id, order_id: a.order_id, member_id: a.member_id },
          ...{ amount: a.amount, currency: a.currency, provider: a.provider },
          ...{ outcome, decline_code: declineCode },
        },
      });
    });
    return declineCode ? paymentDeclined(declineCode) : providerError();
  }

  /**
   * Records a charge the provider says succeeded. 'voided': its order was voided meanwhile, so
   * it was refunded at once; null: the order was paid by another charge (a duplicate).
   */
  const recordSuccess = (a: Attempt, charge: ChargeResult, onCommit?: OnCommit) =>
    db.tx(async (q): Promise<Processed | 'voided' | null> => {
      await lockOrder(q, a.order_id);
      const inserted = await payments.insert(q, {
        ...{ id: newId(), order_id: a.order_id, member_id: a.member_id },
        ...{ amount: a.amount, currency: a.currency, provider: provider.name },
        ...{ transaction_id: charge.transactionId, card: charge.card },
      });
      // The Stripe webhook may have recorded this very charge first (and published the event).
      const paid = inserted ?? (await payments.byOrder(q, a.order_id));
      if (paid?.transaction_id !== charge.transactionId) return null;
      await attempts.settle(q, a.id, 'succeeded', { paymentId: paid.id });
      if (inserted) await publishSucceeded(events, q, inserted);
      if (await voided.has(q, a.order_id)) {
        await refunds.refundIfVoided(q, paid);
        return 'voided';
      }
      const out: Processed = { status: 201, payment: paid };
      await onCommit?.(q, out);
      return out;
    });

  /** The order got paid by another charge meanwhile: this one goes back. */
  async function undoDuplicate(a: Attempt, charge: ChargeResult) {
    const transactionId = charge.transactionId;
    await provider.refund({ transactionId, amount: a.amount, idempotencyKey: keyOf(a, ':dup') });
    await attempts.settle(db, a.id, 'duplicate');
  }

  /** What the provider says of a charge; null when it cannot be asked right now. */
  async function ask(transactionId: string): Promise<ChargeState | null> {
    try {
      return await provider.retrieve(transactionId);
    } catch (err) {
      if (err instanceof ProviderUnavailable) return null;
      throw err;
    }
  }

  /** Makes sure an unconfirmed charge never will be; its state after (null: not now). */
  async function cancel(a: Prepared): Promise<ChargeState | null> {
    try {
      return await provider.cancel(a.transaction_id, keyOf(a, ':cancel'));
    } catch (err) {
      if (err instanceof ProviderUnavailable) return null;
      throw err;
    }
  }

  async function prepare(a: Attempt, token: string): Promise<Prepared> {
    let transactionId: string;
    try {
      ({ transactionId } = await provider.prepare({
        ...{ amount: a.amount, currency: a.currency, token, idempotencyKey: keyOf(a) },
        metadata: { order_id: a.order_id, member_id: a.member_id, attempt_id: a.id },
      }));
    } catch (err) {
      if (err instanceof InvalidPaymentToken) {
        await attempts.drop(db, a.id);
        throw invalidToken();
      }
      // Nothing was confirmed, so nothing was charged: a plain failure.
      if (err instanceof ProviderUnavailable) throw await recordFailure(a, null);
      throw err;
    }
    // Superseded or voided meanwhile: this charge is never confirmed.
    if (!(await attempts.setTransaction(db, a.id, transactionId)))
      throw (await voided.has(db, a.order_id)) ? orderVoided() : paymentInProgress();
    return { ...a, transaction_id: transactionId };
  }

  /** Confirms the charge; an unknown outcome is asked about, an unconfirmed charge cancelled. */
  async function confirm(a: Prepared): Promise<ChargeState | null> {
    try {
      const transactionId = a.transaction_id;
      const charge = await provider.confirm({
        transactionId,
        idempotencyKey: keyOf(a, ':confirm'),
      });
      return { status: 'succeeded', charge };
    } catch (err) {
      if (err instanceof PaymentDeclined) return { status: 'failed', declineCode: err.declineCode };
      if (!(err instanceof ProviderUnavailable)) throw err;
    }
    const state = await ask(a.transaction_id);
    return state?.status === 'requires_confirmation' ? cancel(a) : state;
  }

  /** Records what the provider said: a success is returned, anything else thrown. */
  async function settle(a: Attempt, state: ChargeState | null, onCommit?: OnCommit) {
    if (state?.status === 'succeeded') {
      const done = await recordSuccess(a, state.charge, onCommit);
      if (done === 'voided') throw orderVoided();
      if (done) return done;
      await undoDuplicate(a, state.charge);
      throw new StartOver('the order was paid by another charge');
    }
    if (state?.status === 'failed') throw await recordFailure(a, state.declineCode);
    if (state?.status === 'canceled') {
      await attempts.settle(db, a.id, 'abandoned');
      throw new StartOver('the charge was cancelled before any money moved');
    }
    throw paymentInProgress();
  }

  return {
    /** Drives an attempt of this request (new, or left pending by its earlier try) to the end. */
    async drive(a: Attempt, token: string, onCommit: OnCommit): Promise<Processed> {
      if (!a.transaction_id) return settle(a, await confirm(await prepare(a, token)), onCommit);
      const prepared = { ...a, transaction_id: a.transaction_id };
      const state = await ask(a.transaction_id);
      const now = state?.status === 'requires_confirmation' ? await confirm(prepared) : state;
      return settle(a, now, onCommit);
    },

    /**
     * Settles another request's pending attempt from what the provider says, without driving
     * it: only `takeOver` (a void, or an attempt older than its request could live) cancels an
     * unconfirmed charge or gives up one that has no charge yet. 'busy': ask again later.
     */
    async settleOther(a: Attempt, takeOver: boolean): Promise<'settled' | 'busy'> {
      if (!a.transaction_id)
        return takeOver && (await attempts.abandonUnprepared(db, a.id)) ? 'settled' : 'busy';
      const prepared = { ...a, transaction_id: a.transaction_id };
      let state = await ask(a.transaction_id);
      if (state?.status === 'requires_confirmation' && takeOver) state = await cancel(prepared);
      if (!state || state.status === 'processing' || state.status === 'requires_confirmation')
        return 'busy';
      try {
        await settle(a, state);
      } catch (err) {
        if (!(err instanceof StartOver || err instanceof ProblemError)) throw err;
      }
      return 'settled';
    },
  };
}

export type ChargeAttempts = ReturnType<typeof createChargeAttempts>;
