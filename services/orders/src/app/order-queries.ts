import type { Order } from '@redemption/contracts';
import { conflict, type Db, type Principal } from '@redemption/kernel';
import { paidStatuses, type OrderStatus } from '../domain/order.ts';
import { ordersRepository, type OrderRow } from '../store/orders.repository.ts';
import { visibleOrder } from './order.service.ts';
import { orderView } from './order.view.ts';

export interface OrderPage {
  items: Order[];
  next_cursor: string | null;
}

export interface OrderFilter {
  status?: OrderStatus | undefined;
  userId?: string | undefined;
  refundRequested?: boolean | undefined;
}

/** What the routes read and note without a checkout: pages of orders, one order, a request. */
export function createOrderQueries(db: Db) {
  /** One page of orders with their items; `rows` holds one more than `limit` when more exist. */
  async function pageOf(rows: OrderRow[], limit: number): Promise<OrderPage> {
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

  return {
    /** The order, if `p` may see it (owner, admin or service); 404 otherwise. */
    async get(id: string, p: Principal): Promise<Order> {
      const { order, items } = await visibleOrder(db, id, p);
      return orderView(order, items);
    },
    /** Every member's orders, newest first (admin). */
    list: async (filter: OrderFilter, limit: number, cursor?: string) =>
      pageOf(await ordersRepository.list(db, filter, limit + 1, cursor), limit),
    /** A member's orders, newest first. */
    byMember: async (userId: string, limit: number, cursor?: string) =>
      pageOf(await ordersRepository.byUser(db, userId, limit + 1, cursor), limit),
    /** Notes a member's refund request on a paid order, once; an admin decides. */
    async requestRefund(id: string, reason: string, p: Principal): Promise<Order> {
      const { order } = await visibleOrder(db, id, p);
      if (!paidStatuses.includes(order.status))
        throw conflict('order-not-paid', `An order that is ${order.status} has nothing to refund`, {
          current_status: order.status,
        });
      const updated = (await ordersRepository.requestRefund(db, order.id, reason))!;
      const items = await ordersRepository.items(db, [order.id]);
      return orderView(updated, items.get(order.id) ?? []);
    },
  };
}

export type OrderQueries = ReturnType<typeof createOrderQueries>;
