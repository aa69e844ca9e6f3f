import { Link } from 'react-router';
import { money, points } from '../app/format.ts';
import { stockState, type Product } from './catalog-queries.ts';

export function ProductImage({ product, size }: { product: Product; size: 'card' | 'page' }) {
  if (product.image_url)
    return (
      <img
        className={`product-image product-image-${size}`}
        src={product.image_url}
        alt=""
        loading={size === 'card' ? 'lazy' : 'eager'}
      />
    );
  // No picture: the initial on a tinted tile, decorative (the name is in the text).
  return (
    <div
      className={`product-image product-image-${size} product-image-placeholder`}
      aria-hidden="true"
    >
      {product.name.charAt(0)}
    </div>
  );
}

export function ProductCard({ product }: { product: Product }) {
  const stock = stockState(product);
  return (
    <li className="card product-card">
      <ProductImage product={product} size="card" />
      <h2 className="product-name">
        <Link to={`/products/${product.id}`}>{product.name}</Link>
      </h2>
      <p className="price">
        {money(product.price, product.currency)}
        {product.points_price !== null && (
          <span className="muted"> or {points(product.points_price)}</span>
        )}
      </p>
      <p className={stock.inStock ? 'stock' : 'stock stock-out'}>{stock.text}</p>
    </li>
  );
}
