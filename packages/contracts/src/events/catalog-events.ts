import { Type } from 'typebox';
import { defineEvent } from './define-event.ts';

const Uuid = Type.String({ format: 'uuid' });
const Sku = Type.String({ minLength: 1, maxLength: 64 });
/** Integer minor units (cents); never a float. */
const AmountMinor = Type.Integer({ minimum: 0 });
const Units = Type.Integer({ minimum: 0 });

/** What consumers need to keep a product copy (search index, analytics) without calling back. */
const productData = Type.Object(
  {
    product_id: Uuid,
    sku: Sku,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    category: Type.Union([Type.String(), Type.Null()]),
    price: AmountMinor,
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    points_price: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  },
  { additionalProperties: true },
);

export const productCreated = defineEvent('product_created', 'catalog', productData);
export const productUpdated = defineEvent('product_updated', 'catalog', productData);
export const productDeleted = defineEvent(
  'product_deleted',
  'catalog',
  Type.Object({ product_id: Uuid, sku: Sku }),
);

/** Why stock moved: an admin adjustment or one of the inventory (checkout) operations. */
export const stockChangeKinds = [
  'adjust',
  'reserve',
  'release',
  'expire',
  'commit',
  'restock',
] as const;

/**
 * On-hand or reserved stock of one product changed. `available` = on_hand - reserved, the
 * number the product view calls `stock_quantity`.
 */
export const stockChanged = defineEvent(
  'stock_changed',
  'catalog',
  Type.Object({
    product_id: Uuid,
    sku: Sku,
    kind: Type.Union([
      Type.Literal('adjust'),
      Type.Literal('reserve'),
      Type.Literal('release'),
      Type.Literal('expire'),
      Type.Literal('commit'),
      Type.Literal('restock'),
    ] satisfies { const: (typeof stockChangeKinds)[number] }[]),
    on_hand: Units,
    reserved: Units,
    available: Units,
    reservation_id: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
    reason: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
  }),
);

export const catalogEvents = [productCreated, productUpdated, productDeleted, stockChanged];
