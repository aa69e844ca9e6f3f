import { newId, type Db, type Publisher, type Queryable } from '@redemption/kernel';
import { sameOrderVerdict, type ChargeRequest, type Payment } from '../domain/payment.ts';
import type { PaymentProvider } from '../providers/payment-provider.ts';
import {
  attemptsRepository as attempts,
  lockOrder,
  voidedOrdersRepository as voided,
  type Attempt,
} from '../store/attempts.repository.ts';
import { paymentsRepository as payments } from '../store/payments.repository.ts';
import {
  createChargeAttempts,
  StartOver,
  type OnCommit,
  type Processed,
} from './charge-attempts.ts';
import { orderAlreadyPaid, orderVoided, paymentInProgress } from './payment-problems.ts';
import type { RefundService } from './refund.service.ts';

export type { OnCommit, Processed } from './charge-attempts.ts';

/** What a void leaves: the order's payment, refunded in full, or null when it had none. */
export interface VoidedOrder {
  order_id: string;
  payment: Payment | null;
}
export { publishSucceeded } from './payment-events.ts';

export interface PaymentServiceDeps {
  db: Db;
  provider: PaymentProvider;
  events: Publisher;
  refunds: RefundService;
}

/**
 * Rounds of one `process` call: each either answers or finds that an attempt ended without a
 * charge (cancelled, superseded) and looks again; more than this means others keep racing.
 */
const processRoundsMax = 3;

/**
 * Charges an order once. The provider is called outside any transaction (a slow provider must
 * not hold a connection); a pending attempt row is the order's lock meanwhile, so two requests
 * for one order never both charge. Failures are recorded as attempts, never in payments. An
 * attempt left pending (its request timed out or its process died) is settled by asking the
 * provider (charge-attempts.ts): its own request's retry resumes it; another request waits.
 */
export function createPaymentService(deps: PaymentServiceDeps) {
  const { db, provider, refunds } = deps;
  const charges = createChargeAttempts(deps);

  async function answerExisting(existing: Payment, req: ChargeRequest, onCommit: OnCommit) {
    if (sameOrderVerdict(existing, req) === 'conflict') throw orderAlreadyPaid(existing.id);
    const out: Processed = { status: 200, payment: existing };
    await db.tx((q) => onCommit(q, out));
    return out;
  }

  /** The attempt this request drives: a new one, or its own left pending; null: look again. */
  async function claim(req: ChargeRequest, providerKey: string): Promise<Attempt | null> {
    const started = await attempts.start(db, {
      ...req,
      id: newId(),
      provider: provider.name,
      provider_key: providerKey,
    });
    if (started) return started;
    const pending = await attempts.pending(db, req.order_id);
    if (!pending) return null;
    // The same request again (a retry after a timeout or a crash): it resumes its attempt.
    if (pending.provider_key === providerKey) return pending;
    if ((await charges.settleOther(pending, pending.stale)) === 'busy') throw paymentInProgress();
    return null;
  }

  return {
    get: (id: string) => payments.get(db, id),
    byOrder: (orderId: string) => payments.byOrder(db, orderId),

    /** `providerKey` must be the same on every retry of one request (derived from its key). */
    async process(req: ChargeRequest, providerKey: string, onCommit: OnCommit): Promise<Processed> {
      for (let round = 0; round < processRoundsMax; round++) {
        if (await voided.has(db, req.order_id)) throw orderVoided();
        const existing = await payments.byOrder(db, req.order_id);
        if (existing) return answerExisting(existing, req, onCommit);
        try {
          const a = await claim(req, providerKey);
          if (a) return await charges.drive(a, req.token, onCommit);
        } catch (err) {
          if (!(err instanceof StartOver)) throw err;
        }
      }
      throw paymentInProgress();
    },

    /**
     * Makes sure the order ends with no money taken: from now on it is never charged, a charge
     * in flight is settled by asking the provider (cancelled if unconfirmed), what was taken
     * goes back, and a charge that still lands later is refunded as it is recorded. Throws 409
     * payment-in-progress while the provider cannot say yet; a retry finishes the job.
     */
    async voidOrder(
      orderId: string,
      reason: string,
      providerKey: string,
      onCommit: (q: Queryable, out: VoidedOrder) => Promise<void>,
    ): Promise<VoidedOrder> {
      await db.tx(async (q) => {
        await lockOrder(q, orderId);
        await voided.mark(q, orderId, reason);
      });
      const pending = await attempts.pending(db, orderId);
      if (pending && (await charges.settleOther(pending, true)) === 'busy')
        throw paymentInProgress();
      return db.tx(async (q) => {
        await lockOrder(q, orderId);
        const paid = await payments.byOrder(q, orderId);
        const payment = paid ? await refunds.refundRest(q, paid.id, reason, providerKey) : null;
        const out = { order_id: orderId, payment };
        await onCommit(q, out);
        return out;
      });
    },
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
