import { randomUUID } from 'node:crypto';
import { orderCreated, orderDelivered, orderShipped, ServiceProblem } from '@redemption/contracts';
import {
  conflict,
  isPrivileged,
  newId,
  notFound,
  ProblemError,
  unprocessable,
  type Db,
  type Logger,
  type Principal,
  type Publisher,
  type Queryable,
} from '@redemption/kernel';
import { firstStep } from '../domain/checkout-steps.ts';
import {
  canTransition,
  looksLikeCardNumber,
  priceOrder,
  type OrderStatus,
  type PricedLine,
  type Pricing,
} from '../domain/order.ts';
import {
  ordersRepository,
  type ItemRow,
  type OrderRow,
  type ShippingAddress,
} from '../store/orders.repository.ts';
import { eventData, type CheckoutSaga, type Clients } from './checkout.saga.ts';

export interface OrdersDeps {
  db: Db;
  events: Publisher;
  log: Logger;
  clients: Clients;
  saga: CheckoutSaga;
  pointValueMinor: number;
  leaseMs: number;
}

export interface PlaceOrderInput {
  userId: string;
  actorId: string;
  items: ReadonlyArray<{ product_id: string; quantity: number }>;
  shippingAddress: ShippingAddress;
  pointsToUse: number;
  paymentToken: string;
}

/**
 * How a request finds its order again: the kernel's Idempotency-Key record keeps the order id
 * as its checkpoint, written in the transaction that creates the order.
 */
export interface PlaceProgress {
  /** The order an earlier run of this request created (it crashed, or answered 202). */
  resumeFrom?: string | undefined;
  /** Records the new order's id inside its creating transaction. */
  checkpoint(q: Queryable, orderId: string): Promise<void>;
}

export interface OrderWithItems {
  order: OrderRow;
  items: ItemRow[];
}

const field = (name: string, message: string) => ({ errors: [{ field: name, message }] });

/** The order, if `p` may see it (its owner, an admin or a service); 404 otherwise. */
export async function visibleOrder(db: Db, id: string, p: Principal): Promise<OrderWithItems> {
  const order = await ordersRepository.find(db, id);
  if (!order || (!isPrivileged(p) && order.user_id !== p.id)) throw notFound('order');
  return { order, items: (await ordersRepository.items(db, [id])).get(id) ?? [] };
}

/** Refuses what the schema cannot express: duplicate products, a raw card number. */
function checkRequest(input: PlaceOrderInput): void {
  const seen = new Set<string>();
  for (const [i, item] of input.items.entries()) {
    if (seen.has(item.product_id))
      throw new ProblemError(
        400,
        'validation-failed',
        'Request is not valid',
        `body.items/${i}/product_id repeats a product; give each product once with its quantity`,
        field(`body.items.${i}.product_id`, 'repeats a product'),
      );
    seen.add(item.product_id);
  }
  if (looksLikeCardNumber(input.paymentToken))
    throw unprocessable(
      'card-number-refused',
      'payment.token must be a card token from the payment provider, never a card number',
      field('body.payment.token', 'looks like a card number'),
    );
}

/** Prices the lines from the catalog as it is now: the snapshot the order keeps. */
async function priceLines(clients: Clients, input: PlaceOrderInput): Promise<PricedLine[]> {
  return Promise.all(
    input.items.map(async (item, i) => {
      try {
        const p = await clients.catalog.product(item.product_id);
        return {
          productId: p.id,
          productName: p.name,
          unitPrice: p.price,
          currency: p.currency,
          quantity: item.quantity,
        };
      } catch (err) {
        if (err instanceof ServiceProblem && err.status === 404)
          throw unprocessable('unknown-product', `No product ${item.product_id}`, {
            product_id: item.product_id,
            ...field(`body.items.${i}.product_id`, 'no such product'),
          });
        throw unavailable('catalog', err);
      }
    }),
  );
}

export const unavailable = (service: string, err: unknown): ProblemError =>
  err instanceof ProblemError
    ? err
    : new ProblemError(
        503,
        'dependency-unavailable',
        'Service Unavailable',
        `The ${service} service did not answer; retry with the same Idempotency-Key`,
        { service },
        { 'retry-after': '1' },
      );

function pricingOrThrow(lines: PricedLine[], input: PlaceOrderInput, pointValue: number): Pricing {
  const r = priceOrder(lines, input.pointsToUse, pointValue);
  if (!('problem' in r)) return r;
  if (r.problem === 'mixed-currencies')
    throw unprocessable(
      'mixed-currencies',
      `The products are priced in ${r.currencies.join(', ')}; one order takes one currency`,
      { currencies: r.currencies, ...field('body.items', 'mixed currencies') },
    );
  if (r.problem === 'order-total-too-large')
    throw unprocessable(
      'order-total-too-large',
      `The order total exceeds ${r.totalMax} minor units`,
      field('body.items', 'total too large'),
    );
  throw unprocessable(
    'points-exceed-total',
    `points_to_use is worth more than the order total; at most ${r.pointsMax} points apply`,
    { points_max: r.pointsMax, ...field('body.points_to_use', 'worth more than the total') },
  );
}

/** Statuses set by other routes than PATCH /status, and where. */
const elsewhere: Partial<Record<OrderStatus, string>> = {
  cancelled: ' here; DELETE the order to cancel it',
  refunded: ' here; POST /api/orders/:id/refunds refunds it',
};

export function createOrderService(deps: OrdersDeps) {
  const { db, saga } = deps;

  async function reload(id: string): Promise<OrderWithItems> {
    const order = (await ordersRepository.find(db, id))!;
    return { order, items: (await ordersRepository.items(db, [id])).get(id) ?? [] };
  }

  /** A retry of a request whose order exists: report it, driving its saga if nobody is. */
  async function resume(id: string): Promise<OrderWithItems> {
    const owner = randomUUID();
    if (await ordersRepository.takeLease(db, id, owner, deps.leaseMs)) await saga.run(id, owner);
    return reload(id);
  }

  /**
   * Creates the order (pending, order_created) and runs its checkout saga as far as it goes;
   * a retry of the same request resumes the order it made instead.
   */
  async function place(input: PlaceOrderInput, progress: PlaceProgress): Promise<OrderWithItems> {
    if (progress.resumeFrom) return resume(progress.resumeFrom);
    checkRequest(input);
    const lines = await priceLines(deps.clients, input);
    const pricing = pricingOrThrow(lines, input, deps.pointValueMinor);
    const id = newId();
    const owner = randomUUID();
    const items = lines.map((l) => ({
      product_id: l.productId,
      product_name: l.productName,
      unit_price: l.unitPrice,
      quantity: l.quantity,
    }));
    const created = await db.tx(async (q) => {
      const order = await ordersRepository.insert(
        q,
        {
          id,
          userId: input.userId,
          pricing,
          lines,
          shippingAddress: input.shippingAddress,
          paymentToken: pricing.cashAmount > 0 ? input.paymentToken : null,
          firstStep: firstStep(pricing),
          leaseOwner: owner,
          leaseMs: deps.leaseMs,
        },
        { actorId: input.actorId },
      );
      // Throws 409 (rolling the order back) if a retry took the request's key over meanwhile.
      await progress.checkpoint(q, id);
      await deps.events.publish(q, orderCreated, {
        subject: id,
        data: eventData('order_created', order, items),
      });
      return order;
    });
    // The saga starts from the row just stored (this request holds its lease) and answers the
    // finished order; only a saga left pending or taken over is read again.
    const run = await saga.runHeld(created, items, owner);
    return run.order ? { order: run.order, items } : reload(id);
  }

  /** Admin: processing → shipped → delivered, each published. */
  async function setStatus(id: string, to: OrderStatus, actor: Principal): Promise<OrderWithItems> {
    await db.tx(async (q) => {
      const o = await ordersRepository.find(q, id, true);
      if (!o) throw notFound('order');
      const allowed = (to === 'shipped' || to === 'delivered') && canTransition(o.status, to);
      if (!allowed)
        throw conflict(
          'illegal-transition',
          `An order that is ${o.status} cannot become ${to}${elsewhere[to] ?? ''}`,
          { current_status: o.status, requested_status: to },
        );
      await ordersRepository.patch(q, id, { status: to });
      await ordersRepository.history(q, id, o.status, to, null, actor.id);
      const def = to === 'shipped' ? orderShipped : orderDelivered;
      await deps.events.publish(q, def, { subject: id, data: eventData(def.type, o) });
    });
    return reload(id);
  }

  return { place, setStatus, reload };
}

export type OrderService = ReturnType<typeof createOrderService>;
