import { Type, type TSchema } from 'typebox';
import { sorts } from '../domain/listing.ts';
import { categorySlugPattern, currencyPattern, limits } from '../domain/product.ts';
import { reservationIdPattern, reservationLimits as rl } from '../domain/reservation.ts';

const Uuid = Type.String({ format: 'uuid' });
/** Response side: a value or null. */
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/**
 * Request side: `type: [X, 'null']` rather than anyOf. Where Ajv coerces (querystrings; bodies
 * are never coerced), anyOf would let a 0 or '' that fails X's limits slip into the null branch.
 */
const OrNull = <V>(schema: Record<string, unknown> & { type: string }) =>
  Type.Unsafe<V | null>({ ...schema, type: [schema.type, 'null'] });
const CategorySlug = Type.String({
  minLength: 1,
  maxLength: limits.categorySlugLengthMax,
  pattern: categorySlugPattern,
  examples: ['experiences'],
});
const PriceMinor = Type.Integer({
  minimum: 0,
  maximum: limits.priceMinorMax,
  description: 'integer minor units (cents)',
  examples: [4500],
});
const PointsPrice = Type.Integer({ minimum: 1, maximum: limits.pointsPriceMax, examples: [4500] });
const Units = Type.Integer({ minimum: 0, maximum: limits.stockUnitsMax, examples: [25] });
const Attributes = Type.Record(
  Type.String({ maxLength: limits.attributeKeyLengthMax }),
  Type.Unknown(),
  {
    maxProperties: limits.attributesKeysMax,
    description: `free-form JSON object, at most ${limits.attributesBytesMax} bytes serialized`,
    examples: [{ duration_h: 2 }],
  },
);

const productFields = {
  sku: Type.String({ minLength: 1, maxLength: limits.skuLengthMax, examples: ['LATE-CHECKOUT'] }),
  name: Type.String({ minLength: 1, maxLength: limits.nameLengthMax, examples: ['Late checkout'] }),
  description: Type.Optional(
    Type.String({ maxLength: limits.descriptionLengthMax, examples: ['Keep the room until 4 pm'] }),
  ),
  category: Type.Optional(OrNull<string>({ ...CategorySlug })),
  price: PriceMinor,
  currency: Type.String({
    pattern: currencyPattern,
    minLength: 3,
    maxLength: 3,
    examples: ['EUR'],
  }),
  points_price: Type.Optional(OrNull<number>({ ...PointsPrice })),
  image_url: Type.Optional(
    OrNull<string>({ type: 'string', format: 'uri', maxLength: limits.imageUrlLengthMax }),
  ),
  attributes: Type.Optional(Attributes),
};

export const ProductBody = Type.Object(
  {
    ...productFields,
    stock_quantity: Type.Optional({ ...Units, description: 'initial on-hand units' }),
  },
  { additionalProperties: false },
);
/** PUT replaces every editable field; omitted optional ones are reset (null, '' or {}). */
export const ProductReplaceBody = Type.Object(productFields, { additionalProperties: false });

export const StockBody = Type.Object(
  {
    set: Type.Optional({ ...Units, description: 'new on-hand count (absolute)' }),
    delta: Type.Optional(
      Type.Integer({
        minimum: -limits.stockUnitsMax,
        maximum: limits.stockUnitsMax,
        description: 'signed change of the on-hand count',
        examples: [10],
      }),
    ),
    reason: Type.String({
      minLength: 1,
      maxLength: limits.reasonLengthMax,
      examples: ['delivery'],
    }),
  },
  { additionalProperties: false },
);

export const CategoryBody = Type.Object(
  {
    slug: CategorySlug,
    name: Type.String({
      minLength: 1,
      maxLength: limits.categoryNameLengthMax,
      examples: ['Experiences'],
    }),
  },
  { additionalProperties: false },
);

export const ProductIdParams = Type.Object({ id: Uuid });

export const ListQuerySchema = Type.Object(
  {
    category: Type.Optional(CategorySlug),
    min_price: Type.Optional(PriceMinor),
    max_price: Type.Optional(PriceMinor),
    in_stock: Type.Optional(Type.Boolean({ description: 'true: available > 0; false: sold out' })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: limits.searchLengthMax,
        description: 'full-text search over name and description (web search syntax)',
        examples: ['spa massage'],
      }),
    ),
    sort: Type.Optional(
      Type.Union(
        [
          Type.Literal('name'),
          Type.Literal('price'),
          Type.Literal('-price'),
          Type.Literal('created_at'),
          Type.Literal('-created_at'),
          Type.Literal('relevance'),
        ] satisfies { const: (typeof sorts)[number] }[],
        { description: 'default: relevance with q, name otherwise' },
      ),
    ),
    cursor: Type.Optional(
      Type.String({ maxLength: 512, description: 'next_cursor of the previous page' }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: limits.pageSizeMax, default: limits.pageSizeDefault }),
    ),
  },
  { additionalProperties: false },
);

const productExample = {
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

export const ProductView = Type.Object(
  {
    id: Uuid,
    sku: Type.String(),
    name: Type.String(),
    description: Type.String(),
    category: Nullable(Type.String()),
    price: Type.Integer({ description: 'integer minor units (cents)' }),
    currency: Type.String(),
    points_price: Nullable(Type.Integer()),
    stock_quantity: Type.Integer({
      description:
        'AVAILABLE units: on hand minus reserved (on hand = stock_quantity + stock_reserved)',
    }),
    stock_reserved: Type.Integer({ description: 'units held by checkouts (reservations)' }),
    image_url: Nullable(Type.String()),
    attributes: Type.Record(Type.String(), Type.Unknown()),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { examples: [productExample] },
);

export const ProductPageView = Type.Object(
  { items: Type.Array(ProductView), next_cursor: Nullable(Type.String()) },
  {
    examples: [
      { items: [productExample], next_cursor: 'WyJuYW1lIiwiTGF0ZSBjaGVja291dCIsIi4uLiJd' },
    ],
  },
);

export const CategoryView = Type.Object(
  { id: Uuid, slug: Type.String(), name: Type.String() },
  {
    examples: [{ id: '0196a5e2-0000-7000-8000-000000000001', slug: 'spa', name: 'Spa & wellness' }],
  },
);
export const CategoryListView = Type.Object({ items: Type.Array(CategoryView) });

// Inventory

export const ReservationIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: rl.idLengthMax, pattern: reservationIdPattern }),
});

export const ReserveBody = Type.Object(
  {
    reservation_id: Type.String({
      minLength: 1,
      maxLength: rl.idLengthMax,
      pattern: reservationIdPattern,
      description:
        "the caller's id (e.g. an order id); the same id again returns the same reservation",
      examples: ['order-0196a5e2'],
    }),
    items: Type.Array(
      Type.Object(
        {
          product_id: Uuid,
          quantity: Type.Integer({ minimum: 1, maximum: rl.quantityMax, examples: [1] }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: rl.linesMax },
    ),
    ttl_s: Type.Optional(
      Type.Integer({
        minimum: rl.ttlSMin,
        maximum: rl.ttlSMax,
        description:
          'seconds until an uncommitted reservation is released (default RESERVATION_TTL_S)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const EmptyBody = Type.Object({}, { additionalProperties: false });

export const ReservationView = Type.Object(
  {
    reservation_id: Type.String(),
    status: Type.Union([
      Type.Literal('held'),
      Type.Literal('committed'),
      Type.Literal('released'),
      Type.Literal('expired'),
      Type.Literal('restocked'),
    ]),
    expires_at: Type.String({ format: 'date-time' }),
    items: Type.Array(
      Type.Object({
        product_id: Uuid,
        quantity: Type.Integer(),
        sku: Type.String(),
        name: Type.String(),
        unit_price: Type.Integer({
          description: 'price per unit at reservation time (minor units)',
        }),
        currency: Type.String(),
        points_price: Nullable(Type.Integer()),
      }),
    ),
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

export const idempotencyHeader = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'client-chosen id; a retry with the same key never applies twice',
  }),
});
