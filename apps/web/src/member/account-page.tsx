import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, must } from '../api/client.ts';
import { date, dateTime, points } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { RequireSignIn } from '../auth/require-sign-in.tsx';
import type { SessionUser } from '../auth/session.ts';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { accountQuery, type Account } from './loyalty-queries.ts';
import { ProfileForm, SessionActions } from './profile-form.tsx';

const historyPageSize = 20;

export default function AccountPage() {
  usePageTitle('Your account');
  return <RequireSignIn>{(u) => <AccountView user={u} />}</RequireSignIn>;
}

function AccountView({ user }: { user: SessionUser }) {
  const account = useQuery(accountQuery(user.id));
  return (
    <section>
      <h1>Your account</h1>
      <ProblemMessage error={account.error} />
      {account.isPending ? (
        <Loading what="your points" />
      ) : (
        account.data && <Balance account={account.data} />
      )}
      {account.data && <Upcoming account={account.data} />}
      <History memberId={user.id} />
      <ProfileForm userId={user.id} />
      <SessionActions userId={user.id} />
    </section>
  );
}

const tierName = (t: string): string => t.charAt(0).toUpperCase() + t.slice(1);

function Balance({ account: a }: { account: Account }) {
  const next = a.next_tier;
  const qualifying = a.qualifying_points;
  return (
    <div className="balance card">
      <p className="balance-main">
        <span className="muted">Available</span>
        <strong data-testid="available-points">{points(a.available)}</strong>
      </p>
      <dl className="facts">
        <dt>Balance</dt>
        <dd data-testid="balance">{points(a.balance)}</dd>
        <dt>On hold for checkouts</dt>
        <dd>{points(a.held)}</dd>
        <dt>Pending (earned on orders, spendable after the return window)</dt>
        <dd data-testid="pending-points">{points(a.pending)}</dd>
        <dt>Tier</dt>
        <dd data-testid="tier">{tierName(a.tier)}</dd>
      </dl>
      {next ? (
        <div className="tier-progress">
          <label htmlFor="tier-progress">
            {points(Math.max(0, next.threshold_points - qualifying))} more in the last 12 months to
            reach {tierName(next.tier)}
          </label>
          <progress
            id="tier-progress"
            max={next.threshold_points}
            value={Math.min(qualifying, next.threshold_points)}
          >
            {qualifying} of {next.threshold_points}
          </progress>
        </div>
      ) : a.tier !== 'member' ? (
        <p className="muted">You are at the top tier.</p>
      ) : null}
    </div>
  );
}

function Upcoming({ account: a }: { account: Account }) {
  return (
    <div className="two-col">
      <div>
        <h2>Expiring soon</h2>
        {a.expiring.length === 0 ? (
          <p className="muted">No points are due to expire.</p>
        ) : (
          <ul className="list">
            {a.expiring.map((e) => (
              <li key={e.expires_at + e.points} className="list-item">
                {points(e.points)} on {date(e.expires_at)}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <h2>Pending points</h2>
        {a.pending_earnings.length === 0 ? (
          <p className="muted">Nothing pending.</p>
        ) : (
          <ul className="list">
            {a.pending_earnings.map((p) => (
              <li key={p.order_id} className="list-item">
                {points(p.points)} from{' '}
                <Link to={`/orders/${p.order_id}`}>order {p.order_id.slice(-8)}</Link>
                {p.release_at ? `, spendable from ${date(p.release_at)}` : ', once it is delivered'}
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}

const kindLabel: Record<string, string> = {
  earn: 'Earned',
  redeem: 'Redeemed',
  capture: 'Paid at checkout',
  claim: 'Flash-sale claim',
  reverse: 'Reversed',
  adjust: 'Adjustment',
  expire: 'Expired',
};

function History({ memberId }: { memberId: string }) {
  const history = useInfiniteQuery({
    queryKey: ['history', memberId],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      must(
        api.GET('/api/loyalty/accounts/{memberId}/transactions', {
          params: {
            path: { memberId },
            query: { limit: historyPageSize, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
  const items = history.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <div>
      <h2>Points history</h2>
      <ProblemMessage error={history.error} />
      {history.isPending ? (
        <Loading what="your history" />
      ) : items.length === 0 ? (
        <p className="muted">No transactions yet.</p>
      ) : (
        <table className="table" data-testid="history">
          <caption className="visually-hidden">Points transactions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col" className="num">
                Points
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.id}>
                <td>{dateTime(t.created_at)}</td>
                <td>
                  {kindLabel[t.kind] ?? t.kind}
                  {t.reason ? ` · ${t.reason}` : ''}
                </td>
                <td className="num">
                  {t.direction < 0 ? '−' : '+'}
                  {t.points.toLocaleString()}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {history.hasNextPage && (
        <button type="button" className="button" onClick={() => void history.fetchNextPage()}>
          Show older
        </button>
      )}
    </div>
  );
}
