import type { Product, Reservation } from '../resources/product.schema.ts';
import { call, enc, type ServiceTransport } from './transport.ts';

export interface ReservationItemRequest {
  product_id: string;
  quantity: number;
}

/**
 * Catalog and inventory for other services (checkout). A reservation is all-or-nothing:
 * 409 `out-of-stock` (with `product_id`) when any line cannot be held, 404 for an unknown
 * product. Commit turns held stock into sold stock; release returns held stock; restock
 * returns committed stock (a refund). Each is idempotent on its key and safe to repeat.
 */
export interface CatalogClient {
  product(id: string): Promise<Product>;
  reserve(
    body: { reservation_id: string; items: ReservationItemRequest[]; ttl_s?: number },
    key: string,
  ): Promise<Reservation>;
  reservation(id: string): Promise<Reservation>;
  commit(reservationId: string, key: string): Promise<Reservation>;
  release(reservationId: string, key: string): Promise<Reservation>;
  restock(reservationId: string, key: string): Promise<Reservation>;
}

export function catalogClient(t: ServiceTransport): CatalogClient {
  const base = '/api/inventory/reservations';
  const post = <T>(path: string, body: unknown, key: string): Promise<T> =>
    call<T>('catalog', t, { method: 'POST', path, body, idempotencyKey: key });
  return {
    product: (id) => call('catalog', t, { method: 'GET', path: `/api/products/${enc(id)}` }),
    reserve: (body, key) => post(base, body, key),
    reservation: (id) => call('catalog', t, { method: 'GET', path: `${base}/${enc(id)}` }),
    commit: (id, key) => post(`${base}/${enc(id)}/commit`, {}, key),
    release: (id, key) => post(`${base}/${enc(id)}/release`, {}, key),
    restock: (id, key) => post(`${base}/${enc(id)}/restock`, {}, key),
  };
}
