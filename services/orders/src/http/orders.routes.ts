import { Order } from '@redemption/contracts';
import type { App, Db, Idempotency, Outcome } from '@redemption/kernel';
import {
  badRequest,
  forbidden,
  IdempotencyKeyHeader,
  isPrivileged,
  OptionalIdempotencyKeyHeader,
  parseKey,
  problemResponses,
  requireAdmin,
  requirePrincipal,
  requireSelfOrAdmin,
} from '@redemption/kernel';
import type { FastifyRequest } from 'fastify';
import { createOrderQueries, type OrderQueries } from '../app/order-queries.ts';
import type { OrderService } from '../app/order.service.ts';
import { checkoutOutcome, locationOf, orderView } from '../app/order.view.ts';
import type { Refunds } from '../app/refunds.service.ts';
import {
  AdminListQuery,
  CreateOrderBody,
  IdParams,
  ListQuery,
  OrderPage,
  RefundBody,
  RefundRequestBody,
  RefundView,
  StatusBody,
  UserParams,
} from './orders.schemas.ts';

const tags = ['orders'];

export interface OrdersRouteDeps {
  db: Db;
  idempotency: Idempotency;
  orders: OrderService;
  refunds: Refunds;
}

interface Parts extends OrdersRouteDeps {
  queries: OrderQueries;
}

/** Who the order is for: a member orders for themself; an admin or service may name the member. */
function orderingFor(req: FastifyRequest, userId: string | undefined): string {
  const p = requirePrincipal(req);
  if (!isPrivileged(p)) {
    if (userId && userId !== p.id) throw forbidden('Members place orders for themselves only');
    return p.id;
  }
  if (userId) return userId;
  if (p.role === 'service')
    throw badRequest('body.user_id is required for a service', 'body.user_id');
  return p.id;
}

/** What a checkpoint of POST /api/orders holds: the order the request created. */
const orderIdOf = (resumeFrom: unknown): string | undefined =>
  (resumeFrom as { order_id?: string } | undefined)?.order_id;

export async function ordersRoutes(app: App, deps: OrdersRouteDeps): Promise<void> {
  const queries = createOrderQueries(deps.db);
  const { idempotency, orders } = deps;

  app.post('/api/orders', {
    config: { admission: 'saga' },
    schema: {
      tags,
      operationId: 'placeOrder',
      summary:
        'Place an order: reserve stock, hold points, charge the card, capture (checkout saga)',
      description:
        '201 when paid; 402/409/422 (with `order_id`) when a step was refused and the order was cancelled after undoing the earlier steps; 202 with Location when a dependency did not answer and the order is finished in the background (a retry with the same Idempotency-Key reports it as it is by then); 503 when the catalog did not answer before the order was made.',
      headers: IdempotencyKeyHeader,
      body: CreateOrderBody,
      response: { 201: Order, 202: Order, ...problemResponses(402, 403, 409, 422, 503) },
    },
    handler: async (req, reply) => {
      const p = requirePrincipal(req);
      const userId = orderingFor(req, req.body.user_id);
      const opts = { scope: 'orders.create', required: true };
      return idempotency.respond(req, reply, opts, async (attempt) => {
        const b = req.body;
        const input = {
          userId,
          actorId: p.id,
          items: b.items,
          shippingAddress: b.shipping_address,
          pointsToUse: b.points_to_use ?? 0,
          paymentToken: b.payment.token,
        };
        const placed = await orders.place(input, {
          resumeFrom: orderIdOf(attempt.resumeFrom),
          checkpoint: async (q, orderId) => attempt.checkpoint?.(q, { order_id: orderId }),
        });
        // A refused checkout's problem body travels as is: problem schemas are keyed by content
        // type, which the handler's return type cannot express.
        const outcome = checkoutOutcome(placed.order, placed.items) as Outcome<Order>;
        if (outcome.statusCode < 300) reply.header('location', locationOf(placed.order.id));
        return outcome;
      });
    },
  });

  app.get('/api/orders/:id', {
    schema: {
      tags,
      operationId: 'getOrder',
      summary: 'One order (its owner or an admin)',
      params: IdParams,
      response: { 200: Order, ...problemResponses(404) },
    },
    handler: (req) => queries.get(req.params.id, requirePrincipal(req)),
  });

  app.get('/api/orders', {
    schema: {
      tags,
      operationId: 'listOrders',
      summary: 'All orders, newest first, by status and member (admin; cursor pagination)',
      querystring: AdminListQuery,
      response: { 200: OrderPage, ...problemResponses(403) },
    },
    handler: async (req) => {
      requireAdmin(req);
      const { limit, cursor, status, user_id, refund_requested } = req.query;
      const filter = { status, userId: user_id, refundRequested: refund_requested };
      return queries.list(filter, limit, cursor);
    },
  });

  app.get('/api/orders/user/:userId', {
    schema: {
      tags,
      operationId: 'listMemberOrders',
      summary: "A member's orders, newest first (cursor pagination)",
      params: UserParams,
      querystring: ListQuery,
      response: { 200: OrderPage, ...problemResponses(404) },
    },
    handler: async (req) => {
      requireSelfOrAdmin(req, req.params.userId, 'user');
      return queries.byMember(req.params.userId, req.query.limit, req.query.cursor);
    },
  });

  app.patch('/api/orders/:id/status', {
    schema: {
      tags,
      operationId: 'setOrderStatus',
      summary: 'Move a paid order on: processing → shipped → delivered (admin)',
      description: '409 `illegal-transition` naming the current status.',
      params: IdParams,
      body: StatusBody,
      response: { 200: Order, ...problemResponses(403, 404, 409) },
    },
    handler: async (req) => {
      const admin = requireAdmin(req);
      const { order, items } = await orders.setStatus(req.params.id, req.body.status, admin);
      return orderView(order, items);
    },
  });

  cancelAndRefundRoutes(app, { ...deps, queries });
}

/** DELETE (cancel), the member's refund request and the admin's refund. */
function cancelAndRefundRoutes(app: App, deps: Parts): void {
  const { idempotency, queries, refunds } = deps;

  app.delete('/api/orders/:id', {
    config: { admission: 'saga' },
    schema: {
      tags,
      operationId: 'cancelOrder',
      summary:
        'Cancel an order (owner or admin): pending is undone; processing is refunded in full',
      description:
        '202 while the refund is still running (retry to see it finish); 409 when it cannot be cancelled any more.',
      headers: OptionalIdempotencyKeyHeader,
      params: IdParams,
      response: { 200: Order, 202: Order, ...problemResponses(404, 409, 503) },
    },
    handler: async (req, reply) => {
      const p = requirePrincipal(req);
      const opts = { scope: 'orders.cancel', required: false };
      return idempotency.respond(req, reply, opts, async () => {
        const { order, items } = await refunds.cancel(req.params.id, p);
        const done = order.status === 'cancelled';
        return { statusCode: done ? 200 : 202, body: orderView(order, items), final: done };
      });
    },
  });

  app.post('/api/orders/:id/refund-request', {
    schema: {
      tags,
      operationId: 'requestOrderRefund',
      summary: 'Ask for a refund of a paid order (its owner); an admin decides and refunds',
      description: 'Noted once (a repeat keeps the first); 409 `order-not-paid`.',
      params: IdParams,
      body: RefundRequestBody,
      response: { 200: Order, ...problemResponses(404, 409) },
    },
    handler: (req) => queries.requestRefund(req.params.id, req.body.reason, requirePrincipal(req)),
  });

  app.post('/api/orders/:id/refunds', {
    config: { admission: 'saga' },
    schema: {
      tags,
      operationId: 'refundOrder',
      summary: 'Refund a paid order (admin): cash, the points in proportion, and stock when full',
      headers: IdempotencyKeyHeader,
      params: IdParams,
      body: RefundBody,
      response: { 201: RefundView, ...problemResponses(403, 404, 409, 503) },
    },
    handler: async (req, reply) => {
      const admin = requireAdmin(req);
      const opts = { scope: 'orders.refunds', required: true };
      return idempotency.respond(req, reply, opts, async () => {
        const key = parseKey(req.headers['idempotency-key']);
        const requestKey = `${req.params.id}:${admin.id}:${key}`;
        const r = await refunds.refund(req.params.id, req.body.amount, requestKey);
        const refund = {
          id: r.refund.id,
          cash_amount: r.refund.cash_amount,
          points: r.refund.points,
          full_refund: r.refund.full_refund,
          state: r.refund.state,
          note: r.refund.last_error,
        };
        return { statusCode: 201, body: { refund, order: orderView(r.order, r.items) } };
      });
    },
  });
}
