import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, must } from '../api/client.ts';
import { dateTime, money } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { RequireSignIn } from '../auth/require-sign-in.tsx';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { statusLabel } from './order-queries.ts';

const pageSize = 20;

export default function OrdersPage() {
  usePageTitle('Your orders');
  return <RequireSignIn>{(u) => <Orders userId={u.id} />}</RequireSignIn>;
}

function Orders({ userId }: { userId: string }) {
  const orders = useInfiniteQuery({
    queryKey: ['orders', userId],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      must(
        api.GET('/api/orders/user/{userId}', {
          params: {
            path: { userId },
            query: { limit: pageSize, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  if (orders.isPending) return <Loading what="your orders" />;
  const items = orders.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <h1>Your orders</h1>
      <ProblemMessage error={orders.error} />
      {items.length === 0 ? (
        <p>
          No orders yet. <Link to="/">Browse the rewards</Link>.
        </p>
      ) : (
        <ul className="list">
          {items.map((o) => (
            <li key={o.id} className="list-item">
              <Link to={`/orders/${o.id}`}>Order {o.id.slice(-8)}</Link> · {dateTime(o.created_at)}{' '}
              · {money(o.total_amount, o.currency)} · <strong>{statusLabel[o.status]}</strong>
            </li>
          ))}
        </ul>
      )}
      {orders.hasNextPage && (
        <button type="button" className="button" onClick={() => void orders.fetchNextPage()}>
          Show older orders
        </button>
      )}
    </section>
  );
}
