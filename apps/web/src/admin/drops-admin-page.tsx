import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { api, must } from '../api/client.ts';
import { dateTime, points } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { publicApi } from '../api/public-client.ts';

/** Sell-through is watched live: the list is read again this often. */
const watchEveryMs = 2_000;
const localInput = (d: Date): string =>
  new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

export function DropsAdminPage() {
  usePageTitle('Admin: drops');
  const drops = useQuery({
    queryKey: ['admin-drops'],
    queryFn: () => must(publicApi.GET('/api/loyalty/drops', { params: { query: { limit: 50 } } })),
    refetchInterval: watchEveryMs,
  });
  return (
    <section>
      <h1>Flash-sale drops</h1>
      <NewDropForm />
      <h2>Sell-through</h2>
      <ProblemMessage error={drops.error} />
      {drops.isPending ? (
        <Loading what="drops" />
      ) : (
        <table className="table" data-testid="admin-drops">
          <caption className="visually-hidden">Drops, newest opening first</caption>
          <thead>
            <tr>
              <th scope="col">Drop</th>
              <th scope="col">Window</th>
              <th scope="col" className="num">
                Price
              </th>
              <th scope="col">Sold</th>
            </tr>
          </thead>
          <tbody>
            {drops.data?.items.map((d) => (
              <tr key={d.id}>
                <td>
                  <Link to={`/drops/${d.id}`}>{d.name}</Link>
                </td>
                <td>
                  {dateTime(d.opens_at)} – {dateTime(d.closes_at)}
                </td>
                <td className="num">{points(d.points_price)}</td>
                <td>
                  <progress
                    max={d.quantity}
                    value={d.sold}
                    aria-label={`${d.name}: ${d.sold} of ${d.quantity} sold`}
                  />{' '}
                  {d.sold} / {d.quantity}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function NewDropForm() {
  const queryClient = useQueryClient();
  const [f, setF] = useState(() => ({
    name: '',
    points_price: '1000',
    quantity: '10',
    per_member_limit: '1',
    opens_at: localInput(new Date()),
    closes_at: localInput(new Date(Date.now() + 3_600_000)),
  }));
  const create = useMutation({
    mutationFn: () =>
      must(
        api.POST('/api/loyalty/drops', {
          body: {
            name: f.name,
            points_price: Number(f.points_price),
            quantity: Number(f.quantity),
            per_member_limit: Number(f.per_member_limit),
            opens_at: new Date(f.opens_at).toISOString(),
            closes_at: new Date(f.closes_at).toISOString(),
          },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['admin-drops'] }),
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
    <form className="card grid-form" onSubmit={submit} aria-labelledby="new-drop">
      <h2 id="new-drop">New drop</h2>
      <div className="field field-wide">
        <label htmlFor="nd-name">Name</label>
        <input id="nd-name" required maxLength={200} {...bind('name')} />
      </div>
      <div className="field">
        <label htmlFor="nd-price">Points price</label>
        <input id="nd-price" type="number" min={1} required {...bind('points_price')} />
      </div>
      <div className="field">
        <label htmlFor="nd-quantity">Units</label>
        <input id="nd-quantity" type="number" min={1} required {...bind('quantity')} />
      </div>
      <div className="field">
        <label htmlFor="nd-limit">Per member</label>
        <input
          id="nd-limit"
          type="number"
          min={1}
          max={100}
          required
          {...bind('per_member_limit')}
        />
      </div>
      <div className="field">
        <label htmlFor="nd-opens">Opens</label>
        <input id="nd-opens" type="datetime-local" required {...bind('opens_at')} />
      </div>
      <div className="field">
        <label htmlFor="nd-closes">Closes</label>
        <input id="nd-closes" type="datetime-local" required {...bind('closes_at')} />
      </div>
      <ProblemMessage error={create.error} />
      <p role="status">{create.data ? `Drop created: ${create.data.name}.` : ''}</p>
      <button type="submit" className="button button-primary" disabled={create.isPending}>
        Create drop
      </button>
    </form>
  );
}
