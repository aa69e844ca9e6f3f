import { Type, type Static } from 'typebox';
import { AmountMinor, DateTime, Nullable, OneOf, Uuid } from './primitives.ts';

/**
 * Catalog's resources as every other service, the gateway and the web app see them. The
 * routes answer with these schemas, the typed client and the test fakes derive their types
 * from them: one shape, written once.
 */

/** A product as the routes document it. */
export const productExample = {
  id: '0196a5e2-7c1f-7d3a-9b2e-3f4a5b6c7d8e',
  sku: 'LATE-CHECKOUT',
  name: 'Late checkout',
  description: 'Keep your room until 4 pm',
  category: 'stay-perks',
  price: 3000,
  currency: 'EUR',
  points_price: 3000,
  stock_quantity: 48,
  stock_reserved: 2,
  image_url: null,
  attributes: { until: '16:00' },
  created_at: '2026-01-05T10:00:00.000Z',
  updated_at: '2026-01-05T10:00:00.000Z',
};

export const Product = Type.Object(
  {
    id: Uuid,
    sku: Type.String(),
    name: Type.String(),
    description: Type.String(),
    category: Nullable(Type.String({ description: 'category slug' })),
    price: Type.Integer({ description: 'integer minor units (cents)' }),
    currency: Type.String({ description: 'ISO 4217' }),
    points_price: Nullable(Type.Integer()),
    stock_quantity: Type.Integer({
      description:
        'AVAILABLE units: on hand minus reserved (on hand = stock_quantity + stock_reserved)',
    }),
    stock_reserved: Type.Integer({ description: 'units held by checkouts (reservations)' }),
    image_url: Nullable(Type.String()),
    attributes: Type.Record(Type.String(), Type.Unknown()),
    created_at: DateTime,
    updated_at: DateTime,
  },
  { examples: [productExample] },
);
export type Product = Static<typeof Product>;

export const reservationStatuses = [
  'held',
  'committed',
  'released',
  'expired',
  'restocked',
] as const;
export type ReservationStatus = (typeof reservationStatuses)[number];

/** A reserved line, with the product as it was at reservation time (the order snapshots it). */
export const ReservationLine = Type.Object({
  product_id: Uuid,
  quantity: Type.Integer(),
  sku: Type.String(),
  name: Type.String(),
  unit_price: { ...AmountMinor, description: 'price per unit at reservation time (minor units)' },
  currency: Type.String(),
  points_price: Nullable(Type.Integer()),
});
export type ReservationLine = Static<typeof ReservationLine>;

export const Reservation = Type.Object(
  {
    reservation_id: Type.String(),
    status: OneOf(reservationStatuses),
    expires_at: DateTime,
    items: Type.Array(ReservationLine),
  },
  {
    examples: [
      {
        reservation_id: 'order-0196a5e2',
        status: 'held',
        expires_at: '2026-01-05T10:15:00.000Z',
        items: [
          {
            product_id: productExample.id,
            quantity: 1,
            sku: 'LATE-CHECKOUT',
            name: 'Late checkout',
            unit_price: 3000,
            currency: 'EUR',
            points_price: 3000,
          },
        ],
      },
    ],
  },
);
export type Reservation = Static<typeof Reservation>;
