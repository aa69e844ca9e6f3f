import { useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, newIdempotencyKey } from '../api/client.ts';
import { ApiError, toProblem } from '../api/problem.ts';
import { money } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { RequireSignIn } from '../auth/require-sign-in.tsx';
import type { SessionUser } from '../auth/session.ts';
import { cart, cartTotal, useCart } from '../cart/cart-store.ts';
import { PointsSlider, pointsMax } from '../components/points-slider.tsx';
import { ProblemMessage } from '../components/problem-message.tsx';
import { accountQuery } from '../member/loyalty-queries.ts';
import { webConfigQuery } from './catalog-queries.ts';
import { AddressFields, emptyAddress, type Address } from './address-fields.tsx';
import type { CardSource } from './stripe-card.tsx';

const StripeCard = lazy(() => import('./stripe-card.tsx'));

/** The simulated provider's test tokens (Stripe's names), for development and the tests. */
export const testCards = [
  { token: 'tok_visa', label: 'Visa 4242 — succeeds' },
  { token: 'tok_chargeDeclined', label: 'Declined card' },
  { token: 'tok_chargeDeclinedInsufficientFunds', label: 'Insufficient funds' },
  { token: 'tok_slow', label: 'Slow card (answers after a few seconds)' },
] as const;

export default function CheckoutPage() {
  usePageTitle('Checkout');
  return <RequireSignIn>{(user) => <Checkout user={user} />}</RequireSignIn>;
}

function Checkout({ user }: { user: SessionUser }) {
  const lines = useCart();
  const account = useQuery(accountQuery(user.id));
  const config = useQuery(webConfigQuery());
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [address, setAddress] = useState<Address>(emptyAddress);
  const [pointsToUse, setPointsToUse] = useState(0);
  const [card, setCard] = useState<string>(testCards[0].token);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  /** One key per intent: reused when a try fails without an answer, renewed after a refusal. */
  const intentKey = useRef<string | null>(null);
  const stripeCard = useRef<CardSource | null>(null);

  if (lines.length === 0)
    return (
      <section>
        <h1>Checkout</h1>
        <p>
          Your cart is empty. <Link to="/">Browse the rewards</Link>.
        </p>
      </section>
    );
  const currency = lines[0]!.currency;
  const total = cartTotal(lines);
  const pointValue = config.data?.point_value_minor ?? 1;
  const available = account.data?.available ?? 0;
  const usedPoints = Math.min(pointsToUse, pointsMax(total, pointValue, available));
  const stripeKey = config.data?.stripe_publishable_key ?? null;

  async function placeOrder(e: FormEvent): Promise<void> {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const token = stripeKey ? await stripeCard.current!.token() : card;
      intentKey.current ??= newIdempotencyKey();
      const {
        data,
        error: problem,
        response,
      } = await api.POST('/api/orders', {
        params: { header: { 'idempotency-key': intentKey.current } },
        body: {
          items: lines.map((l) => ({ product_id: l.product_id, quantity: l.quantity })),
          shipping_address: { ...address, line2: address.line2 || undefined },
          points_to_use: usedPoints,
          payment: { method: 'card', token },
        },
      });
      if (data && response.ok) {
        cart.clear();
        void queryClient.invalidateQueries({ queryKey: ['account'] });
        void navigate(`/orders/${data.id}`);
        return;
      }
      // A refusal is final for this order (it was undone); a new try is a new intent.
      if (response.status < 500) intentKey.current = null;
      void queryClient.invalidateQueries({ queryKey: ['account'] });
      throw new ApiError(toProblem(problem, response.status));
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(toProblem(undefined, 0)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1>Checkout</h1>
      <form className="checkout" onSubmit={(e) => void placeOrder(e)}>
        <AddressFields value={address} onChange={setAddress} />
        <PointsSlider
          totalMinor={total}
          currency={currency}
          pointValueMinor={pointValue}
          available={available}
          value={usedPoints}
          onChange={setPointsToUse}
        />
        <fieldset>
          <legend>Card</legend>
          {stripeKey ? (
            <Suspense fallback={<p>Loading the card form…</p>}>
              <StripeCard publishableKey={stripeKey} sourceRef={stripeCard} />
            </Suspense>
          ) : (
            <div className="field">
              <label htmlFor="card">Test card</label>
              <select id="card" value={card} onChange={(e) => setCard(e.target.value)}>
                {testCards.map((c) => (
                  <option key={c.token} value={c.token}>
                    {c.label}
                  </option>
                ))}
              </select>
              <p className="muted">No real card is charged: this shop uses test cards.</p>
            </div>
          )}
        </fieldset>
        <p className="total">
          Order total <strong>{money(total, currency)}</strong>
        </p>
        <ProblemMessage error={error} />
        <button type="submit" className="button button-primary button-large" disabled={busy}>
          {busy ? 'Placing your order…' : `Pay ${money(total - usedPoints * pointValue, currency)}`}
        </button>
      </form>
    </section>
  );
}
