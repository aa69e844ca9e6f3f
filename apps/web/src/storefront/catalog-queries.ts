import { queryOptions } from '@tanstack/react-query';
import { must } from '../api/client.ts';
import { publicApi } from '../api/public-client.ts';
import type { components, paths } from '../api/schema.gen.ts';

export type ProductQuery = NonNullable<paths['/api/products']['get']['parameters']['query']>;
export type ProductPage =
  paths['/api/products']['get']['responses'][200]['content']['application/json'];
export type Product = ProductPage['items'][number];
export type Category =
  paths['/api/categories']['get']['responses'][200]['content']['application/json']['items'][number];
export type { components };

export const productsQuery = (query: ProductQuery) =>
  queryOptions({
    queryKey: ['products', query],
    queryFn: () => must(publicApi.GET('/api/products', { params: { query } })),
  });

export const productQuery = (id: string) =>
  queryOptions({
    queryKey: ['product', id],
    queryFn: () => must(publicApi.GET('/api/products/{id}', { params: { path: { id } } })),
  });

export const categoriesQuery = () =>
  queryOptions({
    queryKey: ['categories'],
    queryFn: () => must(publicApi.GET('/api/categories')),
    staleTime: 5 * 60_000,
  });

export const webConfigQuery = () =>
  queryOptions({
    queryKey: ['web-config'],
    queryFn: () => must(publicApi.GET('/api/web-config')),
    staleTime: Infinity,
  });

/** Stock as a person reads it. */
export function stockState(p: Pick<Product, 'stock_quantity'>): { text: string; inStock: boolean } {
  if (p.stock_quantity <= 0) return { text: 'Out of stock', inStock: false };
  if (p.stock_quantity <= 5) return { text: `Only ${p.stock_quantity} left`, inStock: true };
  return { text: 'In stock', inStock: true };
}
