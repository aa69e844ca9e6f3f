import { createHash } from 'node:crypto';
import {
  Payment as PaymentSchema,
  Refund as RefundSchema,
  VoidedOrder as VoidedOrderSchema,
  type Payment as PaymentResource,
  type Refund as RefundResource,
  type VoidedOrder as VoidedOrderResource,
} from '@redemption/contracts';
import type { App, Idempotency, Outcome, Queryable } from '@redemption/kernel';
import {
  IdempotencyKeyHeader,
  isPrivileged,
  notFound,
  problemResponses,
  requireAdmin,
  requirePrincipal,
} from '@redemption/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PaymentService, Processed, VoidedOrder } from '../app/payment.service.ts';
import { rawCardData } from '../app/payment-problems.ts';
import type { RefundService } from '../app/refund.service.ts';
import { looksLikePan, type Payment, type RefundRecord } from '../domain/payment.ts';
import { IdParams, OrderParams, ProcessBody, RefundBody, VoidBody } from './payments.schemas.ts';

const tags = ['payments'];
const processScope = 'payments.process';
const refundScope = 'payments.refund';
const voidScope = 'payments.void';
const voidReasonDefault = 'order voided';

export const paymentView = (p: Payment): PaymentResource => ({
  ...p,
  created_at: p.created_at.toISOString(),
});
const voidView = (v: VoidedOrder): VoidedOrderResource => ({
  order_id: v.order_id,
  payment: v.payment && paymentView(v.payment),
});
const processedOutcome = (out: Processed) => ({
  statusCode: out.status,
  body: paymentView(out.payment),
});
const voidedOutcome = (out: VoidedOrder) => ({ statusCode: 200, body: voidView(out) });
const refundView = (r: RefundRecord, p: Payment): RefundResource => ({
  ...r,
  created_at: r.created_at.toISOString(),
  payment: paymentView(p),
});

/**
 * The provider's idempotency key: the same for every retry of one request (scope, caller and
 * Idempotency-Key), hashed to fit Stripe's 255-character limit and to carry nothing readable.
 */
function providerKey(req: FastifyRequest, scope: string, ...parts: string[]): string {
  const key = String(req.headers['idempotency-key'] ?? '');
  const caller = req.principal?.id ?? 'anonymous';
  const digest = createHash('sha256')
    .update([scope, caller, key, ...parts].join('\n'))
    .digest('hex');
  return `redemption-${scope}-${digest}`;
}

/** Members see their own payments; anyone else's is 404 so ids do not leak. */
function visible(req: FastifyRequest, p: Payment | null): Payment {
  const who = requirePrincipal(req);
  if (!p || (!isPrivileged(who) && p.member_id !== who.id)) throw notFound('payment');
  return p;
}

export async function paymentsRoutes(
  app: App,
  deps: { payments: PaymentService; refunds: RefundService; idempotency: Idempotency },
): Promise<void> {
  const { payments, refunds, idempotency } = deps;

  /**
   * The Idempotency-Key around a payments operation that stores its answer itself, in the
   * transaction that records its effect (`onCommit`): the key and the money move together.
   */
  const storingInTx = <O, T>(
    req: FastifyRequest,
    reply: FastifyReply,
    scope: string,
    asOutcome: (out: O) => Outcome<T>,
    run: (onCommit: (q: Queryable, out: O) => Promise<void>) => Promise<O>,
  ): Promise<T> =>
    idempotency.respond(req, reply, { scope, required: true }, async (attempt) =>
      asOutcome(await run((q, out) => attempt.complete(q, asOutcome(out)))),
    );

  app.post('/api/payments/process', {
    schema: {
      tags,
      operationId: 'processPayment',
      summary: 'Charge an order once (admin or service)',
      description:
        '201 new payment; 200 the order already has this payment; 402 declined (`decline_code`); 409 other amount or in progress; 422 `raw-card-data`/`invalid-token`; 502 provider error (retry safely)',
      headers: IdempotencyKeyHeader,
      body: ProcessBody,
      response: {
        200: PaymentSchema,
        201: PaymentSchema,
        ...problemResponses(402, 403, 409, 422, 502),
      },
    },
    handler: async (req, reply) => {
      requireAdmin(req);
      // Before the idempotency key is claimed: a card number must not even be fingerprinted.
      if (looksLikePan(req.body.token)) throw rawCardData();
      const key = providerKey(req, processScope, req.body.order_id);
      return storingInTx(req, reply, processScope, processedOutcome, (onCommit) =>
        payments.process(req.body, key, onCommit),
      );
    },
  });

  app.post('/api/payments/refund', {
    schema: {
      tags,
      operationId: 'refundPayment',
      summary: 'Refund a payment, all that is left unless `amount` is given (admin or service)',
      description: '422 `refund-exceeds-payment` when more than is left; 502 provider error',
      headers: IdempotencyKeyHeader,
      body: RefundBody,
      response: { 201: RefundSchema, ...problemResponses(403, 404, 422, 502) },
    },
    handler: (req, reply) => {
      requireAdmin(req);
      return idempotency.run(req, reply, { scope: refundScope, required: true }, async (q) => {
        const out = await refunds.refund(q, req.body, providerKey(req, refundScope));
        return { statusCode: 201, body: refundView(out.refund, out.payment) };
      });
    },
  });

  app.post('/api/payments/void', {
    schema: {
      tags,
      operationId: 'voidOrderPayment',
      summary: 'Make sure an order ends with no money taken (admin or service)',
      description:
        'Never charges the order again; settles a charge in flight by asking the provider (an unconfirmed one is cancelled); refunds what was taken, now and if a charge lands later. 200 with the payment (refunded) or null; 409 `payment-in-progress` while the provider cannot say yet (retry)',
      headers: IdempotencyKeyHeader,
      body: VoidBody,
      response: { 200: VoidedOrderSchema, ...problemResponses(403, 409, 502) },
    },
    handler: async (req, reply) => {
      requireAdmin(req);
      const reason = req.body.reason ?? voidReasonDefault;
      const key = providerKey(req, voidScope, req.body.order_id);
      return storingInTx(req, reply, voidScope, voidedOutcome, (onCommit) =>
        payments.voidOrder(req.body.order_id, reason, key, onCommit),
      );
    },
  });

  app.get('/api/payments/order/:orderId', {
    schema: {
      tags,
      operationId: 'getOrderPayment',
      summary: "An order's payment (members: their own)",
      params: OrderParams,
      response: { 200: PaymentSchema, ...problemResponses(404) },
    },
    handler: async (req) => paymentView(visible(req, await payments.byOrder(req.params.orderId))),
  });

  app.get('/api/payments/:id', {
    schema: {
      tags,
      operationId: 'getPayment',
      summary: 'A payment (members: their own)',
      params: IdParams,
      response: { 200: PaymentSchema, ...problemResponses(404) },
    },
    handler: async (req) => paymentView(visible(req, await payments.get(req.params.id))),
  });
}
