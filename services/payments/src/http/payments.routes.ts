import { createHash } from 'node:crypto';
import type { App, Idempotency } from '@redemption/kernel';
import { notFound, requireAdmin, requirePrincipal, isPrivileged } from '@redemption/kernel';
import type { FastifyRequest } from 'fastify';
import type { PaymentService, Processed } from '../app/payment.service.ts';
import { rawCardData } from '../app/payment-problems.ts';
import type { RefundService } from '../app/refund.service.ts';
import { looksLikePan, type Payment } from '../domain/payment.ts';
import type { RefundRecord } from '../store/refunds.repository.ts';
import {
  idempotencyHeader,
  IdParams,
  OrderParams,
  PaymentView,
  ProblemView,
  ProcessBody,
  RefundBody,
  RefundView,
} from './payments.schemas.ts';

const tags = ['payments'];
const processScope = 'payments.process';
const refundScope = 'payments.refund';

export const paymentView = (p: Payment) => ({ ...p, created_at: p.created_at.toISOString() });
const refundView = (r: RefundRecord, p: Payment) => ({
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

  app.post('/api/payments/process', {
    schema: {
      tags,
      summary: 'Charge an order once (admin or service)',
      description:
        '201 new payment; 200 the order already has this payment; 402 declined (`decline_code`); 409 other amount or in progress; 422 `raw-card-data`/`invalid-token`; 502 provider error (retry safely)',
      headers: idempotencyHeader,
      body: ProcessBody,
      response: { 200: PaymentView, 201: PaymentView, '4xx': ProblemView, '5xx': ProblemView },
    },
    handler: async (req, reply) => {
      requireAdmin(req);
      // Before the idempotency key is claimed: a card number must not even be fingerprinted.
      if (looksLikePan(req.body.token)) throw rawCardData();
      const begun = await idempotency.begin(req, reply, { scope: processScope, required: true });
      if (begun.replayed) return begun.body as ReturnType<typeof paymentView>;
      const { attempt } = begun;
      const asOutcome = (out: Processed) => ({
        statusCode: out.status,
        body: paymentView(out.payment),
      });
      try {
        const out = await payments.process(
          req.body,
          providerKey(req, processScope, req.body.order_id),
          (q, o) => attempt.complete(q, asOutcome(o)),
        );
        return attempt.send(asOutcome(out));
      } catch (err) {
        await attempt.fail(err);
        throw err;
      }
    },
  });

  app.post('/api/payments/refund', {
    schema: {
      tags,
      summary: 'Refund a payment, all that is left unless `amount` is given (admin or service)',
      headers: idempotencyHeader,
      body: RefundBody,
      response: { 201: RefundView, '4xx': ProblemView, '5xx': ProblemView },
    },
    handler: (req, reply) => {
      requireAdmin(req);
      return idempotency.run(req, reply, { scope: refundScope, required: true }, async (q) => {
        const out = await refunds.refund(q, req.body, providerKey(req, refundScope));
        return { statusCode: 201, body: refundView(out.refund, out.payment) };
      });
    },
  });

  app.get('/api/payments/order/:orderId', {
    schema: {
      tags,
      summary: "An order's payment (members: their own)",
      params: OrderParams,
      response: { 200: PaymentView, '4xx': ProblemView },
    },
    handler: async (req) => paymentView(visible(req, await payments.byOrder(req.params.orderId))),
  });

  app.get('/api/payments/:id', {
    schema: {
      tags,
      summary: 'A payment (members: their own)',
      params: IdParams,
      response: { 200: PaymentView, '4xx': ProblemView },
    },
    handler: async (req) => paymentView(visible(req, await payments.get(req.params.id))),
  });
}
