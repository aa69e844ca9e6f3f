import type { App, Db, Idempotency, Outcome, RunOptions } from '@redemption/kernel';
import {
  badRequest,
  conflict,
  fingerprintOf,
  forbidden,
  isPrivileged,
  parseKey,
  requireAdmin,
  requirePrincipal,
  requireSelfOrAdmin,
} from '@redemption/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { visibleOrder, type OrderService } from '../app/order.service.ts';
import { paidStatuses } from '../domain/order.ts';
import {
  checkoutOutcome,
  locationOf,
  orderView,
  type OrderView as OrderViewBody,
} from '../app/order.view.ts';
import type { Refunds } from '../app/refunds.service.ts';
import { ordersRepository } from '../store/orders.repository.ts';
import {
  AdminListQuery,
  CreateOrderBody,
  IdParams,
  idempotencyHeader,
  ListQuery,
  optionalIdempotencyHeader,
  OrderPage,
  OrderView,
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

export async function ordersRoutes(app: App, deps: OrdersRouteDeps): Promise<void> {
  const { db, idempotency, orders, refunds } = deps;

  /** One page of orders with their items; `rows` holds one more than `limit` when more exist. */
  async function pageOf(rows: Awaited<ReturnType<typeof ordersRepository.byUser>>, limit: number) {
    const page = rows.slice(0, limit);
    const items = await ordersRepository.items(
      db,
      page.map((o) => o.id),
    );
    return {
      items: page.map((o) => orderView(o, items.get(o.id) ?? [])),
      next_cursor: rows.length > limit ? page[page.length - 1]!.id : null,
    };
  }

  /**
   * The kernel's Idempotency-Key protocol around work that makes its own transactions and
   * remote calls (so it cannot run inside the key's transaction). A 202 is not stored: a retry
   * reports the order as it is by then.
   */
  async function idempotent<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    opts: RunOptions,
    fn: () => Promise<Outcome<T>>,
  ): Promise<T> {
    const begun = await idempotency.begin(req, reply, opts);
    if (begun.replayed) return begun.body as T;
    try {
      const outcome = await fn();
      if (outcome.statusCode === 202) await begun.attempt.fail(new Error('still pending'));
      else await db.tx((q) => begun.attempt.complete(q, outcome));
      return begun.attempt.send(outcome);
    } catch (err) {
      await begun.attempt.fail(err);
      throw err;
    }
  }

  app.post('/api/orders', {
    schema: {
      tags,
      summary:
        'Place an order: reserve stock, hold points, charge the card, capture (checkout saga)',
      description:
        '201 when paid; 402/409/422 (with `order_id`) when a step was refused and the order was cancelled after undoing the earlier steps; 202 with Location when a dependency did not answer and the order is finished in the background.',
      headers: idempotencyHeader,
      body: CreateOrderBody,
      response: { 201: OrderView, 202: OrderView },
    },
    handler: async (req, reply) => {
      const p = requirePrincipal(req);
      const userId = orderingFor(req, req.body.user_id);
      return idempotent(req, reply, { scope: 'orders.create', required: true }, async () => {
        const b = req.body;
        const placed = await orders.place({
          userId,
          actorId: p.id,
          items: b.items,
          shippingAddress: b.shipping_address,
          pointsToUse: b.points_to_use ?? 0,
          paymentToken: b.payment.token,
          requestKey: `${p.id}:${parseKey(req.headers['idempotency-key'])!}`,
          fingerprint: fingerprintOf(req.method, req.url, req.body),
        });
        // A failed checkout's problem body travels as is (no schema for 4xx); typed as the view.
        const outcome = checkoutOutcome(placed.order, placed.items) as Outcome<OrderViewBody>;
        if (outcome.statusCode < 300) reply.header('location', locationOf(placed.order.id));
        return outcome;
      });
    },
  });

  app.get('/api/orders/:id', {
    schema: {
      tags,
      summary: 'One order (its owner or an admin)',
      params: IdParams,
      response: { 200: OrderView },
    },
    handler: async (req) => {
      const { order, items } = await visibleOrder(db, req.params.id, requirePrincipal(req));
      return orderView(order, items);
    },
  });

  app.get('/api/orders', {
    schema: {
      tags,
      summary: 'All orders, newest first, by status and member (admin; cursor pagination)',
      querystring: AdminListQuery,
      response: { 200: OrderPage },
    },
    handler: async (req) => {
      requireAdmin(req);
      const {
        limit,
        cursor,
        status,
        user_id: userId,
        refund_requested: refundRequested,
      } = req.query;
      const rows = await ordersRepository.list(
        db,
        { status, userId, refundRequested },
        limit + 1,
        cursor,
      );
      return pageOf(rows, limit);
    },
  });

  app.get('/api/orders/user/:userId', {
    schema: {
      tags,
      summary: "A member's orders, newest first (cursor pagination)",
      params: UserParams,
      querystring: ListQuery,
      response: { 200: OrderPage },
    },
    handler: async (req) => {
      requireSelfOrAdmin(req, req.params.userId, 'user');
      const { limit, cursor } = req.query;
      const rows = await ordersRepository.byUser(db, req.params.userId, limit + 1, cursor);
      return pageOf(rows, limit);
    },
  });

  app.patch('/api/orders/:id/status', {
    schema: {
      tags,
      summary: 'Move a paid order on: processing → shipped → delivered (admin)',
      params: IdParams,
      body: StatusBody,
      response: { 200: OrderView },
    },
    handler: async (req) => {
      const admin = requireAdmin(req);
      const { order, items } = await orders.setStatus(req.params.id, req.body.status, admin);
      return orderView(order, items);
    },
  });

  app.delete('/api/orders/:id', {
    schema: {
      tags,
      summary:
        'Cancel an order (owner or admin): pending is undone; processing is refunded in full',
      headers: optionalIdempotencyHeader,
      params: IdParams,
      response: { 200: OrderView, 202: OrderView },
    },
    handler: async (req, reply) => {
      const p = requirePrincipal(req);
      return idempotent(req, reply, { scope: 'orders.cancel', required: false }, async () => {
        const { order, items } = await refunds.cancel(req.params.id, p);
        return {
          statusCode: order.status === 'cancelled' ? 200 : 202,
          body: orderView(order, items),
        };
      });
    },
  });

  app.post('/api/orders/:id/refund-request', {
    schema: {
      tags,
      summary: 'Ask for a refund of a paid order (its owner); an admin decides and refunds',
      params: IdParams,
      body: RefundRequestBody,
      response: { 200: OrderView },
    },
    handler: async (req) => {
      const { order } = await visibleOrder(db, req.params.id, requirePrincipal(req));
      if (!paidStatuses.includes(order.status))
        throw conflict('order-not-paid', `An order that is ${order.status} has nothing to refund`, {
          current_status: order.status,
        });
      const updated = (await ordersRepository.requestRefund(db, order.id, req.body.reason))!;
      const items = await ordersRepository.items(db, [order.id]);
      return orderView(updated, items.get(order.id) ?? []);
    },
  });

  app.post('/api/orders/:id/refunds', {
    schema: {
      tags,
      summary: 'Refund a paid order (admin): cash, the points in proportion, and stock when full',
      headers: idempotencyHeader,
      params: IdParams,
      body: RefundBody,
      response: { 201: RefundView },
    },
    handler: async (req, reply) => {
      const admin = requireAdmin(req);
      const key = parseKey(req.headers['idempotency-key']);
      return idempotent(req, reply, { scope: 'orders.refunds', required: true }, async () => {
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
