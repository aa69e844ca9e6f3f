import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { money, points } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { cart, lineQuantityMax } from '../cart/cart-store.ts';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { productQuery, stockState, webConfigQuery } from './catalog-queries.ts';
import { ProductImage } from './product-card.tsx';

export function ProductPage() {
  const { id = '' } = useParams();
  const product = useQuery(productQuery(id));
  const config = useQuery(webConfigQuery());
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(false);
  usePageTitle(product.data?.name ?? 'Reward');
  if (product.isPending) return <Loading what="the reward" />;
  if (!product.data) return <ProblemMessage error={product.error} />;
  const p = product.data;
  const stock = stockState(p);
  const pointValue = config.data?.point_value_minor ?? 1;
  const max = Math.min(lineQuantityMax, Math.max(1, p.stock_quantity));
  return (
    <article className="product-page">
      <ProductImage product={p} size="page" />
      <div>
        <h1>{p.name}</h1>
        <p>{p.description}</p>
        <p className="price price-large">{money(p.price, p.currency)}</p>
        <p className="muted">
          {p.points_price !== null
            ? `or ${points(p.points_price)}`
            : `or up to ${points(Math.floor(p.price / pointValue))} toward it at checkout`}
        </p>
        <p className={stock.inStock ? 'stock' : 'stock stock-out'}>{stock.text}</p>
        {stock.inStock && (
          <form
            className="add-to-cart"
            onSubmit={(e) => {
              e.preventDefault();
              cart.add(
                { product_id: p.id, name: p.name, price: p.price, currency: p.currency },
                quantity,
              );
              setAdded(true);
            }}
          >
            <div className="field field-narrow">
              <label htmlFor="quantity">Quantity</label>
              <input
                id="quantity"
                type="number"
                min={1}
                max={max}
                value={quantity}
                onChange={(e) =>
                  setQuantity(Math.max(1, Math.min(max, Number(e.target.value) || 1)))
                }
              />
            </div>
            <button type="submit" className="button button-primary">
              Add to cart
            </button>
          </form>
        )}
        <p role="status">
          {added && (
            <>
              Added to your cart. <Link to="/cart">Go to the cart</Link>
            </>
          )}
        </p>
      </div>
    </article>
  );
}
