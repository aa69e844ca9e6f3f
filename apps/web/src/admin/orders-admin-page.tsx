import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, must, newIdempotencyKey } from '../api/client.ts';
import { dateTime, money, points } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { statusLabel, type Order, type OrderStatus } from '../member/order-queries.ts';

const adminPageSize = 50;
const statuses: OrderStatus[] = [
  'pending',
  'processing',
  'shipped',
  'delivered',
  'cancelled',
  'refunded',
];
/** The one move an admin may make from each status (the order state machine). */
const nextStatus: Partial<Record<OrderStatus, OrderStatus>> = {
  processing: 'shipped',
  shipped: 'delivered',
};
const uuidPattern = /^[0-9a-f-]{36}$/i;

export function OrdersAdminPage() {
  usePageTitle('Admin: orders');
  const [status, setStatus] = useState<OrderStatus | ''>('');
  const [member, setMember] = useState('');
  const [requested, setRequested] = useState(false);
  const query = {
    limit: adminPageSize,
    ...(status ? { status } : {}),
    ...(requested ? { refund_requested: true } : {}),
    ...(uuidPattern.test(member.trim()) ? { user_id: member.trim() } : {}),
  };
  const orders = useQuery({
    queryKey: ['admin-orders', query],
    queryFn: () => must(api.GET('/api/orders', { params: { query } })),
    refetchInterval: 5_000,
  });
  return (
    <section>
      <h1>Orders</h1>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter orders">
        <div className="field">
          <label htmlFor="ao-status">Status</label>
          <select
            id="ao-status"
            value={status}
            onChange={(e) => setStatus(e.target.value as OrderStatus | '')}
          >
            <option value="">Any</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {statusLabel[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-wide">
          <label htmlFor="ao-member">Member id</label>
          <input
            id="ao-member"
            value={member}
            onChange={(e) => setMember(e.target.value)}
            placeholder="all members"
          />
        </div>
        <div className="field field-check">
          <input
            id="ao-requested"
            type="checkbox"
            checked={requested}
            onChange={(e) => setRequested(e.target.checked)}
          />
          <label htmlFor="ao-requested">Refund requested</label>
        </div>
      </form>
      <ProblemMessage error={orders.error} />
      {orders.isPending ? (
        <Loading what="orders" />
      ) : orders.data?.items.length === 0 ? (
        <p>No orders match.</p>
      ) : (
        <table className="table" data-testid="admin-orders">
          <caption className="visually-hidden">Orders, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Placed</th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {orders.data?.items.map((o) => (
              <OrderRow key={o.id} order={o} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OrderRow({ order: o }: { order: Order }) {
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['admin-orders'] });
  const move = useMutation({
    mutationFn: (status: OrderStatus) =>
      must(
        api.PATCH('/api/orders/{id}/status', { params: { path: { id: o.id } }, body: { status } }),
      ),
    onSuccess: refresh,
  });
  const refund = useMutation({
    mutationFn: () =>
      must(
        api.POST('/api/orders/{id}/refunds', {
          params: { path: { id: o.id }, header: { 'idempotency-key': newIdempotencyKey() } },
          body: {},
        }),
      ),
    onSuccess: refresh,
  });
  const next = nextStatus[o.status];
  const refundable =
    o.status === 'processing' || o.status === 'shipped' || o.status === 'delivered';
  const label = `order ${o.id.slice(-8)}`;
  return (
    <tr>
      <td>
        <Link to={`/orders/${o.id}`}>{o.id.slice(-8)}</Link>
        <div className="muted small">member {o.user_id.slice(-8)}</div>
      </td>
      <td>{dateTime(o.created_at)}</td>
      <td className="num">
        {money(o.total_amount, o.currency)}
        {o.points_used > 0 && <div className="muted small">{points(o.points_used)} used</div>}
      </td>
      <td>
        {statusLabel[o.status]}
        {o.refunded_cash > 0 && (
          <div className="muted small">refunded {money(o.refunded_cash, o.currency)}</div>
        )}
        {o.refund_request && (
          <div className="small">
            <strong>Refund requested:</strong> {o.refund_request.reason}
          </div>
        )}
      </td>
      <td>
        <div className="actions">
          {next && (
            <button
              type="button"
              className="button"
              disabled={move.isPending}
              onClick={() => move.mutate(next)}
            >
              Mark {statusLabel[next].toLowerCase()}
              <span className="visually-hidden"> {label}</span>
            </button>
          )}
          {refundable && (
            <button
              type="button"
              className="button button-danger"
              disabled={refund.isPending}
              onClick={() => refund.mutate()}
            >
              Refund<span className="visually-hidden"> {label}</span>
            </button>
          )}
        </div>
        <ProblemMessage error={move.error ?? refund.error} />
      </td>
    </tr>
  );
}
