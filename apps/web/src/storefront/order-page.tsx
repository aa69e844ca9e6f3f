import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, must, newIdempotencyKey } from '../api/client.ts';
import { dateTime, money, points } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { RequireSignIn } from '../auth/require-sign-in.tsx';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { orderQuery, statusLabel, type Order } from '../member/order-queries.ts';

export default function OrderPage() {
  usePageTitle('Order');
  const { id = '' } = useParams();
  return <RequireSignIn>{() => <OrderView id={id} />}</RequireSignIn>;
}

function OrderView({ id }: { id: string }) {
  const order = useQuery(orderQuery(id));
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () =>
      must(
        api.DELETE('/api/orders/{id}', {
          params: { path: { id }, header: { 'idempotency-key': newIdempotencyKey() } },
        }),
      ),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['order', id] });
      void queryClient.invalidateQueries({ queryKey: ['account'] });
    },
  });
  if (order.isPending) return <Loading what="the order" />;
  if (!order.data) return <ProblemMessage error={order.error} />;
  const o = order.data;
  const cancellable = o.status === 'pending' || o.status === 'processing';
  return (
    <section>
      <h1>Order {o.id.slice(-8)}</h1>
      <p className="order-status" role="status" aria-live="polite">
        Status: <strong data-testid="order-status">{statusLabel[o.status]}</strong>
      </p>
      {o.cancel_reason && <p className="muted">Reason: {o.cancel_reason}</p>}
      <OrderLines order={o} />
      <dl className="facts">
        <dt>Placed</dt>
        <dd>{dateTime(o.created_at)}</dd>
        <dt>Paid with points</dt>
        <dd>
          {points(o.points_used)} ({money(o.points_value, o.currency)})
        </dd>
        <dt>Paid by card</dt>
        <dd>{money(o.cash_amount, o.currency)}</dd>
        {(o.refunded_cash > 0 || o.reversed_points > 0) && (
          <>
            <dt>Refunded</dt>
            <dd data-testid="refunded">
              {money(o.refunded_cash, o.currency)} and {points(o.reversed_points)}
            </dd>
          </>
        )}
        <dt>Ship to</dt>
        <dd>
          {o.shipping_address.name}, {o.shipping_address.line1}
          {o.shipping_address.line2 ? `, ${o.shipping_address.line2}` : ''},{' '}
          {o.shipping_address.postal_code} {o.shipping_address.city}, {o.shipping_address.country}
        </dd>
      </dl>
      {o.refund_request ? (
        <p className="notice" data-testid="refund-request">
          You asked for a refund on {dateTime(o.refund_request.requested_at)}: “
          {o.refund_request.reason}”. We will get back to you.
        </p>
      ) : (
        (o.status === 'shipped' || o.status === 'delivered') && <RefundRequestForm orderId={o.id} />
      )}
      <ProblemMessage error={cancel.error} />
      {cancellable && (
        <p>
          <button
            type="button"
            className="button"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate()}
          >
            {o.status === 'processing' ? 'Cancel and refund this order' : 'Cancel this order'}
          </button>
        </p>
      )}
      <p>
        <Link to="/orders">All your orders</Link>
      </p>
    </section>
  );
}

/** Shipped or delivered: the member asks, an admin decides (a paid order not shipped is cancelled instead). */
function RefundRequestForm({ orderId }: { orderId: string }) {
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const ask = useMutation({
    mutationFn: () =>
      must(
        api.POST('/api/orders/{id}/refund-request', {
          params: { path: { id: orderId } },
          body: { reason },
        }),
      ),
    onSuccess: (order) => queryClient.setQueryData(['order', orderId], order),
  });
  return (
    <form
      className="card"
      aria-labelledby="refund-heading"
      onSubmit={(e) => {
        e.preventDefault();
        ask.mutate();
      }}
    >
      <h2 id="refund-heading">Ask for a refund</h2>
      <div className="field">
        <label htmlFor="refund-reason">What went wrong?</label>
        <input
          id="refund-reason"
          required
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </div>
      <ProblemMessage error={ask.error} />
      <button type="submit" className="button" disabled={ask.isPending}>
        Send the request
      </button>
    </form>
  );
}

export function OrderLines({ order }: { order: Order }) {
  return (
    <table className="table">
      <caption className="visually-hidden">Items</caption>
      <thead>
        <tr>
          <th scope="col">Item</th>
          <th scope="col" className="num">
            Quantity
          </th>
          <th scope="col" className="num">
            Total
          </th>
        </tr>
      </thead>
      <tbody>
        {order.items.map((i) => (
          <tr key={i.product_id}>
            <td>{i.product_name}</td>
            <td className="num">{i.quantity}</td>
            <td className="num">{money(i.line_total, order.currency)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={2}>
            Total
          </th>
          <td className="num">{money(order.total_amount, order.currency)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
