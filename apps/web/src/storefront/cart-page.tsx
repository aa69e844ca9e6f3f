import { Link } from 'react-router';
import { money } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { cart, cartTotal, lineQuantityMax, useCart } from '../cart/cart-store.ts';

export function CartPage() {
  usePageTitle('Cart');
  const lines = useCart();
  if (lines.length === 0)
    return (
      <section>
        <h1>Your cart</h1>
        <p>
          Your cart is empty. <Link to="/">Browse the rewards</Link>.
        </p>
      </section>
    );
  const currency = lines[0]!.currency;
  return (
    <section>
      <h1>Your cart</h1>
      <table className="table">
        <caption className="visually-hidden">Rewards in your cart</caption>
        <thead>
          <tr>
            <th scope="col">Reward</th>
            <th scope="col">Quantity</th>
            <th scope="col" className="num">
              Price
            </th>
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.product_id}>
              <td>
                <Link to={`/products/${l.product_id}`}>{l.name}</Link>
              </td>
              <td>
                <label className="visually-hidden" htmlFor={`qty-${l.product_id}`}>
                  Quantity of {l.name}
                </label>
                <input
                  id={`qty-${l.product_id}`}
                  className="qty"
                  type="number"
                  min={0}
                  max={lineQuantityMax}
                  value={l.quantity}
                  onChange={(e) => cart.setQuantity(l.product_id, Number(e.target.value))}
                />
              </td>
              <td className="num">{money(l.price * l.quantity, l.currency)}</td>
              <td>
                <button
                  type="button"
                  className="button button-link"
                  onClick={() => cart.setQuantity(l.product_id, 0)}
                >
                  Remove<span className="visually-hidden"> {l.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={2}>
              Total
            </th>
            <td className="num">
              <strong>{money(cartTotal(lines), currency)}</strong>
            </td>
            <td />
          </tr>
        </tfoot>
      </table>
      <p className="actions">
        <Link to="/checkout" className="button button-primary">
          Check out
        </Link>
      </p>
    </section>
  );
}
