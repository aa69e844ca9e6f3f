import type { Db } from '@redemption/kernel';
import { newId } from '@redemption/kernel';
import type { ProductInput } from '../domain/product.ts';
import { categoriesRepository } from '../store/products.repository.ts';
import type { ProductService } from './product.service.ts';

const categories = [
  { slug: 'stay-perks', name: 'Stay perks' },
  { slug: 'spa', name: 'Spa & wellness' },
  { slug: 'dining', name: 'Dining' },
  { slug: 'experiences', name: 'Experiences' },
];

type SeedProduct = ProductInput & { stock_quantity: number };
const eur = (price: number, points: number | null) => ({
  price,
  currency: 'EUR',
  points_price: points,
});

const products: SeedProduct[] = [
  {
    sku: 'LATE-CHECKOUT',
    name: 'Late checkout',
    description: 'Keep your room until 4 pm on the day you leave.',
    category: 'stay-perks',
    ...eur(3000, 3000),
    stock_quantity: 200,
    attributes: { until: '16:00' },
  },
  {
    sku: 'EARLY-CHECKIN',
    name: 'Early check-in',
    description: 'Your room ready from 10 am.',
    category: 'stay-perks',
    ...eur(3000, 3000),
    stock_quantity: 200,
  },
  {
    sku: 'ROOM-UPGRADE',
    name: 'Room upgrade',
    description: 'One category up for your whole stay, subject to availability.',
    category: 'stay-perks',
    ...eur(9000, 9000),
    stock_quantity: 40,
  },
  {
    sku: 'SUITE-NIGHT',
    name: 'Suite night',
    description: 'One night in a suite with lounge access.',
    category: 'stay-perks',
    ...eur(45000, 40000),
    stock_quantity: 10,
  },
  {
    sku: 'SPA-CREDIT-50',
    name: 'Spa credit 50',
    description: 'Fifty euros to spend at the spa: massage, facial or sauna.',
    category: 'spa',
    ...eur(5000, 5000),
    stock_quantity: 100,
  },
  {
    sku: 'SPA-MASSAGE-60',
    name: 'Deep tissue massage',
    description: 'A sixty-minute massage with a therapist of your choice.',
    category: 'spa',
    ...eur(9500, 9000),
    stock_quantity: 30,
    attributes: { duration_min: 60 },
  },
  {
    sku: 'BREAKFAST-2',
    name: 'Breakfast for two',
    description: 'Full buffet breakfast for two guests.',
    category: 'dining',
    ...eur(4800, 4500),
    stock_quantity: 150,
  },
  {
    sku: 'WINE-BOTTLE',
    name: 'Bottle of wine',
    description: 'A bottle from the sommelier selection delivered to your room.',
    category: 'dining',
    ...eur(3500, null),
    stock_quantity: 60,
  },
  {
    sku: 'CHEF-TABLE',
    name: "Chef's table dinner",
    description: 'Seven-course tasting menu at the kitchen counter for two.',
    category: 'dining',
    ...eur(32000, 30000),
    stock_quantity: 8,
  },
  {
    sku: 'AIRPORT-TRANSFER',
    name: 'Airport transfer',
    description: 'Private car between the airport and the hotel, one way.',
    category: 'experiences',
    ...eur(7500, 7000),
    stock_quantity: 50,
  },
  {
    sku: 'CITY-TOUR',
    name: 'Guided city tour',
    description: 'A three-hour walking tour with a local guide.',
    category: 'experiences',
    ...eur(6000, 5500),
    stock_quantity: 25,
  },
  {
    sku: 'SUNSET-CRUISE',
    name: 'Sunset cruise',
    description: 'Two hours on the water with drinks, for two.',
    category: 'experiences',
    ...eur(15000, 14000),
    stock_quantity: 0,
  },
];

/** Demo categories and rewards; skips what exists, so a second run adds nothing. */
export async function seedCatalog(db: Db, svc: ProductService): Promise<string[]> {
  for (const c of categories) await categoriesRepository.insert(db, { id: newId(), ...c });
  const { rows } = await db.query<{ sku: string }>(
    'SELECT sku FROM catalog.products WHERE deleted_at IS NULL AND sku = ANY($1)',
    [products.map((p) => p.sku)],
  );
  const existing = new Set(rows.map((r) => r.sku));
  let added = 0;
  for (const p of products) {
    if (existing.has(p.sku)) continue;
    await svc.create(p);
    added++;
  }
  return added > 0 ? [`catalog: ${added} demo rewards in ${categories.length} categories`] : [];
}
