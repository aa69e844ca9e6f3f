import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, must, newIdempotencyKey } from '../api/client.ts';
import { dateTime, points } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { accountQuery } from '../member/loyalty-queries.ts';

const searchPageSize = 20;

export function MembersAdminPage() {
  usePageTitle('Admin: members');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<{ id: string; username: string } | null>(null);
  const users = useQuery({
    queryKey: ['admin-users', search],
    queryFn: () =>
      must(
        api.GET('/api/users', {
          params: { query: { limit: searchPageSize, ...(search ? { q: search } : {}) } },
        }),
      ),
  });
  return (
    <section>
      <h1>Members</h1>
      <form
        className="filters"
        role="search"
        aria-label="Find members"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(q.trim());
        }}
      >
        <div className="field field-wide">
          <label htmlFor="am-q">Username or e-mail</label>
          <input id="am-q" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <button type="submit" className="button">
          Search
        </button>
      </form>
      <ProblemMessage error={users.error} />
      {users.isPending ? (
        <Loading what="members" />
      ) : (
        <ul className="list" aria-label="Members found">
          {users.data?.items.map((u) => (
            <li key={u.id} className="list-item">
              <button
                type="button"
                className="button button-link"
                aria-pressed={selected?.id === u.id}
                onClick={() => setSelected({ id: u.id, username: u.username })}
              >
                {u.username}
              </button>{' '}
              <span className="muted">
                {u.email} · {u.role}
              </span>
            </li>
          ))}
        </ul>
      )}
      {selected && <MemberPanel key={selected.id} id={selected.id} username={selected.username} />}
    </section>
  );
}

function MemberPanel({ id, username }: { id: string; username: string }) {
  const account = useQuery(accountQuery(id));
  const history = useQuery({
    queryKey: ['history', id, 'admin'],
    queryFn: () =>
      must(
        api.GET('/api/loyalty/accounts/{memberId}/transactions', {
          params: { path: { memberId: id }, query: { limit: 20 } },
        }),
      ),
  });
  return (
    <div className="card" aria-labelledby="member-heading">
      <h2 id="member-heading">{username}</h2>
      <ProblemMessage error={account.error} />
      {account.data && (
        <p>
          Available{' '}
          <strong data-testid="admin-member-available">{points(account.data.available)}</strong> ·
          balance {points(account.data.balance)} · tier {account.data.tier}
        </p>
      )}
      <PointsForm memberId={id} />
      <h3>Recent transactions</h3>
      <ProblemMessage error={history.error} />
      {history.data && (
        <table className="table">
          <caption className="visually-hidden">Transactions of {username}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col" className="num">
                Points
              </th>
              <th scope="col">Reverse</th>
            </tr>
          </thead>
          <tbody>
            {history.data.items.map((t) => (
              <tr key={t.id}>
                <td>{dateTime(t.created_at)}</td>
                <td>
                  {t.kind}
                  {t.reason ? ` · ${t.reason}` : ''}
                </td>
                <td className="num">
                  {t.direction < 0 ? '−' : '+'}
                  {t.points.toLocaleString()}
                </td>
                <td>
                  <ReverseButton memberId={id} transactionId={t.id} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function PointsForm({ memberId }: { memberId: string }) {
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<'earn' | 'adjust'>('earn');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const apply = useMutation({
    mutationFn: async (): Promise<unknown> => {
      const params = { header: { 'idempotency-key': newIdempotencyKey() } };
      const body = { member_id: memberId, points: Number(amount), reason };
      return kind === 'earn'
        ? must(api.POST('/api/loyalty/earn', { params, body }))
        : must(api.POST('/api/loyalty/adjustments', { params, body }));
    },
    onSuccess: () => {
      setAmount('');
      setReason('');
      void queryClient.invalidateQueries({ queryKey: ['account', memberId] });
      void queryClient.invalidateQueries({ queryKey: ['history', memberId] });
    },
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    apply.mutate();
  };
  return (
    <form className="grid-form" onSubmit={submit} aria-label="Change points">
      <div className="field">
        <label htmlFor="pts-kind">Change</label>
        <select
          id="pts-kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as 'earn' | 'adjust')}
        >
          <option value="earn">Grant points (earn, tier bonus applies)</option>
          <option value="adjust">Adjust (signed correction)</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="pts-amount">Points</label>
        <input
          id="pts-amount"
          type="number"
          required
          step={1}
          {...(kind === 'earn' ? { min: 1 } : {})}
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
        />
      </div>
      <div className="field field-wide">
        <label htmlFor="pts-reason">Reason</label>
        <input
          id="pts-reason"
          required
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </div>
      <ProblemMessage error={apply.error} />
      <p role="status">{apply.isSuccess ? 'Points updated.' : ''}</p>
      <button type="submit" className="button button-primary" disabled={apply.isPending}>
        Apply
      </button>
    </form>
  );
}

function ReverseButton({ memberId, transactionId }: { memberId: string; transactionId: string }) {
  const queryClient = useQueryClient();
  const reverse = useMutation({
    mutationFn: () =>
      must(
        api.POST('/api/loyalty/transactions/{id}/reverse', {
          params: {
            path: { id: transactionId },
            header: { 'idempotency-key': newIdempotencyKey() },
          },
          body: { reason: 'reversed in the admin console' },
        }),
      ),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['account', memberId] });
      void queryClient.invalidateQueries({ queryKey: ['history', memberId] });
    },
  });
  return (
    <>
      <button
        type="button"
        className="button button-link"
        disabled={reverse.isPending || reverse.isSuccess}
        onClick={() => reverse.mutate()}
      >
        {reverse.isSuccess ? 'Reversed' : 'Reverse'}
        <span className="visually-hidden"> transaction {transactionId.slice(-8)}</span>
      </button>
      <ProblemMessage error={reverse.error} />
    </>
  );
}
