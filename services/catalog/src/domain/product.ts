/**
 * Products: limits, the JSON view and the rules that need no database. The view's
 * `stock_quantity` is the AVAILABLE count (on hand minus reserved), the number a shopper can
 * still order; `stock_reserved` is what checkouts hold. On hand = stock_quantity + stock_reserved.
 */
import type { Product } from '@redemption/contracts';

export const limits = {
  skuLengthMax: 64,
  nameLengthMax: 200,
  descriptionLengthMax: 5_000,
  categorySlugLengthMax: 64,
  categoryNameLengthMax: 100,
  imageUrlLengthMax: 2_048,
  /** Serialized JSON size of `attributes`; also a CHECK in the table. */
  attributesBytesMax: 4_096,
  attributesKeysMax: 50,
  attributeKeyLengthMax: 64,
  /** 100 million currency units in minor units: far above any reward. */
  priceMinorMax: 10_000_000_000,
  pointsPriceMax: 1_000_000_000,
  stockUnitsMax: 1_000_000_000,
  reasonLengthMax: 200,
  searchLengthMax: 200,
  pageSizeDefault: 20,
  pageSizeMax: 100,
} as const;

export const categorySlugPattern = '^[a-z0-9][a-z0-9-]*$';
export const currencyPattern = '^[A-Z]{3}$';

/** A product row as the store returns it (on-hand stock, category slug joined). */
export interface ProductRecord {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string | null;
  price: number;
  currency: string;
  points_price: number | null;
  on_hand: number;
  reserved: number;
  image_url: string | null;
  attributes: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

/** The editable fields (POST and PUT); stock moves only through the stock and inventory routes. */
export interface ProductInput {
  sku: string;
  name: string;
  description?: string | undefined;
  category?: string | null | undefined;
  price: number;
  currency: string;
  points_price?: number | null | undefined;
  image_url?: string | null | undefined;
  attributes?: Record<string, unknown> | undefined;
}

export function productView(p: ProductRecord): Product {
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    description: p.description,
    category: p.category,
    price: p.price,
    currency: p.currency,
    points_price: p.points_price,
    stock_quantity: p.on_hand - p.reserved,
    stock_reserved: p.reserved,
    image_url: p.image_url,
    attributes: p.attributes,
    created_at: p.created_at.toISOString(),
    updated_at: p.updated_at.toISOString(),
  };
}

/** Size is checked on the serialized form: key and nesting limits alone do not bound bytes. */
export function attributesProblem(attrs: Record<string, unknown> | undefined): string | null {
  if (attrs === undefined) return null;
  const bytes = Buffer.byteLength(JSON.stringify(attrs), 'utf8');
  return bytes > limits.attributesBytesMax
    ? `must serialize to at most ${limits.attributesBytesMax} bytes of JSON (got ${bytes})`
    : null;
}

/** Stock adjustment by an admin: absolute on-hand or a signed delta. */
export type StockAdjustment = { set: number } | { delta: number };

export type AdjustOutcome =
  | { ok: true; onHand: number }
  | { ok: false; reason: 'below-reserved' | 'negative' | 'too-large'; onHand: number };

/** New on-hand count, never below what checkouts hold, never below zero. */
export function adjustOnHand(
  onHand: number,
  reserved: number,
  adj: StockAdjustment,
): AdjustOutcome {
  const next = 'set' in adj ? adj.set : onHand + adj.delta;
  if (next < 0)
    return { ok: false, reason: reserved > 0 ? 'below-reserved' : 'negative', onHand: next };
  if (next < reserved) return { ok: false, reason: 'below-reserved', onHand: next };
  if (next > limits.stockUnitsMax) return { ok: false, reason: 'too-large', onHand: next };
  return { ok: true, onHand: next };
}
