import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, must } from '../api/client.ts';
import { money, points } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { categoriesQuery, productsQuery, type Product } from '../storefront/catalog-queries.ts';

const adminPageSize = 100;
const centsPerUnit = 100;

export function ProductsAdminPage() {
  usePageTitle('Admin: products');
  const products = useQuery(productsQuery({ limit: adminPageSize, sort: '-created_at' }));
  return (
    <section>
      <h1>Products</h1>
      <NewProductForm />
      <NewCategoryForm />
      <h2>Catalog</h2>
      <ProblemMessage error={products.error} />
      {products.isPending ? (
        <Loading what="products" />
      ) : (
        <table className="table">
          <caption className="visually-hidden">Products, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">SKU</th>
              <th scope="col" className="num">
                Price
              </th>
              <th scope="col" className="num">
                Available
              </th>
              <th scope="col">Adjust stock</th>
            </tr>
          </thead>
          <tbody>
            {products.data?.items.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{p.sku}</td>
                <td className="num">
                  {money(p.price, p.currency)}
                  {p.points_price !== null ? ` / ${points(p.points_price)}` : ''}
                </td>
                <td className="num">{p.stock_quantity}</td>
                <td>
                  <StockForm product={p} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function StockForm({ product }: { product: Product }) {
  const queryClient = useQueryClient();
  const [delta, setDelta] = useState('');
  const adjust = useMutation({
    mutationFn: () =>
      must(
        api.PATCH('/api/products/{id}/stock', {
          params: { path: { id: product.id } },
          body: { delta: Number(delta), reason: 'admin console' },
        }),
      ),
    onSuccess: () => {
      setDelta('');
      void queryClient.invalidateQueries({ queryKey: ['products'] });
    },
  });
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        adjust.mutate();
      }}
    >
      <label htmlFor={`delta-${product.id}`} className="visually-hidden">
        Stock change for {product.name}
      </label>
      <input
        id={`delta-${product.id}`}
        type="number"
        className="qty"
        placeholder="+10"
        required
        value={delta}
        onChange={(e) => setDelta(e.target.value)}
      />
      <button type="submit" className="button" disabled={adjust.isPending}>
        Apply<span className="visually-hidden"> to {product.name}</span>
      </button>
      <ProblemMessage error={adjust.error} />
    </form>
  );
}

const emptyProduct = {
  sku: '',
  name: '',
  description: '',
  category: '',
  price: '',
  points_price: '',
  stock: '10',
  image_url: '',
};

function NewProductForm() {
  const queryClient = useQueryClient();
  const categories = useQuery(categoriesQuery());
  const [f, setF] = useState(emptyProduct);
  const create = useMutation({
    mutationFn: () =>
      must(
        api.POST('/api/products', {
          body: {
            sku: f.sku,
            name: f.name,
            description: f.description || undefined,
            category: f.category || undefined,
            price: Math.round(Number(f.price) * centsPerUnit),
            currency: 'EUR',
            points_price: f.points_price ? Number(f.points_price) : undefined,
            stock_quantity: Number(f.stock),
            image_url: f.image_url || undefined,
          },
        }),
      ),
    onSuccess: () => {
      setF(emptyProduct);
      void queryClient.invalidateQueries({ queryKey: ['products'] });
    },
  });
  const bind = (k: keyof typeof f) => ({
    value: f[k],
    onChange: (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value }),
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <form className="card grid-form" onSubmit={submit} aria-labelledby="new-product">
      <h2 id="new-product">New product</h2>
      <div className="field">
        <label htmlFor="np-name">Name</label>
        <input id="np-name" required {...bind('name')} />
      </div>
      <div className="field">
        <label htmlFor="np-sku">SKU</label>
        <input id="np-sku" required {...bind('sku')} />
      </div>
      <div className="field field-wide">
        <label htmlFor="np-description">Description</label>
        <input id="np-description" {...bind('description')} />
      </div>
      <div className="field">
        <label htmlFor="np-category">Category</label>
        <select id="np-category" {...bind('category')}>
          <option value="">None</option>
          {categories.data?.items.map((c) => (
            <option key={c.id} value={c.slug}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="np-price">Price (EUR)</label>
        <input id="np-price" type="number" min={0} step="0.01" required {...bind('price')} />
      </div>
      <div className="field">
        <label htmlFor="np-points">Points price (optional)</label>
        <input id="np-points" type="number" min={1} step={1} {...bind('points_price')} />
      </div>
      <div className="field">
        <label htmlFor="np-stock">Stock</label>
        <input id="np-stock" type="number" min={0} step={1} required {...bind('stock')} />
      </div>
      <div className="field field-wide">
        <label htmlFor="np-image">Image URL (optional)</label>
        <input id="np-image" type="url" {...bind('image_url')} />
      </div>
      <ProblemMessage error={create.error} />
      <p role="status">{create.isSuccess ? 'Product created.' : ''}</p>
      <button type="submit" className="button button-primary" disabled={create.isPending}>
        Create product
      </button>
    </form>
  );
}

function NewCategoryForm() {
  const queryClient = useQueryClient();
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => must(api.POST('/api/categories', { body: { slug, name } })),
    onSuccess: () => {
      setSlug('');
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['categories'] });
    },
  });
  return (
    <form
      className="card grid-form"
      aria-labelledby="new-category"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h2 id="new-category">New category</h2>
      <div className="field">
        <label htmlFor="nc-name">Name</label>
        <input id="nc-name" required value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="nc-slug">Slug</label>
        <input
          id="nc-slug"
          required
          pattern="[a-z0-9][a-z0-9-]*"
          title="lower-case letters, digits and dashes"
          value={slug}
          onChange={(e) => setSlug(e.target.value)}
        />
      </div>
      <ProblemMessage error={create.error} />
      <button type="submit" className="button" disabled={create.isPending}>
        Create category
      </button>
    </form>
  );
}
