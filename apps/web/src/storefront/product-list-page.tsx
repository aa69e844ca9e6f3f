import { useQuery, keepPreviousData } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { usePageTitle } from '../app/use-page-title.ts';
import { categoriesQuery, productsQuery, type ProductQuery } from './catalog-queries.ts';
import { ProductCard } from './product-card.tsx';

const pageSize = 12;
const sorts: Array<{ value: NonNullable<ProductQuery['sort']>; label: string }> = [
  { value: 'name', label: 'Name' },
  { value: 'price', label: 'Price: low to high' },
  { value: '-price', label: 'Price: high to low' },
  { value: '-created_at', label: 'Newest' },
  { value: 'relevance', label: 'Best match' },
];
/** Prices are typed in whole units; the API counts cents. */
const centsPerUnit = 100;

function queryFrom(params: URLSearchParams): ProductQuery {
  const num = (k: string): number | undefined => {
    const v = params.get(k);
    return v && Number.isFinite(Number(v)) ? Math.round(Number(v) * centsPerUnit) : undefined;
  };
  const q: ProductQuery = { limit: pageSize };
  const text = params.get('q')?.trim();
  if (text) q.q = text;
  const category = params.get('category');
  if (category) q.category = category;
  const min = num('min');
  const max = num('max');
  if (min !== undefined) q.min_price = min;
  if (max !== undefined) q.max_price = max;
  const sort = params.get('sort') as ProductQuery['sort'] | null;
  q.sort = sort ?? (text ? 'relevance' : 'name');
  if (params.get('in_stock') === '1') q.in_stock = true;
  const cursor = params.get('cursor');
  if (cursor) q.cursor = cursor;
  return q;
}

/** The storefront: search, filter by category and price, sort, page through the rewards. */
export function ProductListPage() {
  usePageTitle('Rewards');
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const query = queryFrom(params);
  const products = useQuery({ ...productsQuery(query), placeholderData: keepPreviousData });
  const categories = useQuery(categoriesQuery());
  const [draft, setDraft] = useState(() => Object.fromEntries(params));

  const apply = (e: FormEvent): void => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of Object.entries(draft)) if (v && k !== 'cursor') next.set(k, v);
    setParams(next);
  };
  const field = (k: string) => ({
    value: draft[k] ?? '',
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [k]: e.target.value }),
  });

  return (
    <section>
      <h1>Rewards</h1>
      <form className="filters" onSubmit={apply} role="search" aria-label="Find rewards">
        <div className="field field-wide">
          <label htmlFor="q">Search</label>
          <input id="q" type="search" {...field('q')} placeholder="spa, late checkout…" />
        </div>
        <div className="field">
          <label htmlFor="category">Category</label>
          <select id="category" {...field('category')}>
            <option value="">All categories</option>
            {categories.data?.items.map((c) => (
              <option key={c.id} value={c.slug}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-narrow">
          <label htmlFor="min">Min price</label>
          <input id="min" type="number" min={0} step="any" inputMode="decimal" {...field('min')} />
        </div>
        <div className="field field-narrow">
          <label htmlFor="max">Max price</label>
          <input id="max" type="number" min={0} step="any" inputMode="decimal" {...field('max')} />
        </div>
        <div className="field">
          <label htmlFor="sort">Sort by</label>
          <select id="sort" {...field('sort')}>
            <option value="">Default</option>
            {sorts.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-check">
          <input
            id="in_stock"
            type="checkbox"
            checked={draft['in_stock'] === '1'}
            onChange={(e) => setDraft({ ...draft, in_stock: e.target.checked ? '1' : '' })}
          />
          <label htmlFor="in_stock">In stock only</label>
        </div>
        <button type="submit" className="button button-primary">
          Show rewards
        </button>
      </form>
      <ProblemMessage error={products.error} />
      {products.isPending ? (
        <Loading what="rewards" />
      ) : products.data && products.data.items.length === 0 ? (
        <p>No rewards match. Try fewer filters.</p>
      ) : (
        <ul className="product-grid" aria-label="Rewards" data-testid="product-list">
          {products.data?.items.map((p) => (
            <ProductCard key={p.id} product={p} />
          ))}
        </ul>
      )}
      <nav className="pager" aria-label="Pages">
        {params.get('cursor') && (
          <button type="button" className="button" onClick={() => navigate(-1)}>
            Previous page
          </button>
        )}
        {products.data?.next_cursor && (
          <button
            type="button"
            className="button"
            onClick={() => {
              const next = new URLSearchParams(params);
              next.set('cursor', products.data.next_cursor!);
              setParams(next);
            }}
          >
            Next page
          </button>
        )}
      </nav>
    </section>
  );
}
