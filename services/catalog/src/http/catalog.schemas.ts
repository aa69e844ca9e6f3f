import { Product, productExample } from '@redemption/contracts';
import { Nullable, OrNull, Uuid } from '@redemption/kernel';
import { Type } from 'typebox';
import { sorts } from '../domain/listing.ts';
import { categorySlugPattern, currencyPattern, limits } from '../domain/product.ts';
import { reservationIdPattern, reservationLimits as rl } from '../domain/reservation.ts';

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

export const ProductPageView = Type.Object(
  { items: Type.Array(Product), next_cursor: Nullable(Type.String()) },
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
