import { queryOptions } from '@tanstack/react-query';
import { api, must } from '../api/client.ts';
import type { paths } from '../api/schema.gen.ts';

export type Order =
  paths['/api/orders/{id}']['get']['responses'][200]['content']['application/json'];
export type OrderStatus = Order['status'];

/** How often an order that can still change is looked at again (the page updates by itself). */
export const orderPollMs = 3_000;
export const orderIsSettled = (o: Pick<Order, 'status'>): boolean =>
  o.status === 'delivered' || o.status === 'cancelled' || o.status === 'refunded';

export const orderQuery = (id: string) =>
  queryOptions({
    queryKey: ['order', id],
    queryFn: () => must(api.GET('/api/orders/{id}', { params: { path: { id } } })),
    refetchInterval: (q) => (q.state.data && orderIsSettled(q.state.data) ? false : orderPollMs),
  });

export const statusLabel: Record<OrderStatus, string> = {
  pending: 'Being placed',
  processing: 'Paid, being prepared',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
  refunded: 'Refunded',
};
