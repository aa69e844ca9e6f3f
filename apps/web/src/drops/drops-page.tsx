import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { dateTime, points } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { useNow } from '../components/countdown.tsx';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { dropPhase, dropsQuery } from './drop-queries.ts';

const phaseText = {
  upcoming: 'Opens soon',
  open: 'Open now',
  'sold-out': 'Sold out',
  closed: 'Closed',
};

export default function DropsPage() {
  usePageTitle('Flash sales');
  const drops = useQuery(dropsQuery());
  const now = useNow(5_000);
  return (
    <section>
      <h1>Flash sales</h1>
      <p className="muted">Limited rewards for points, first come first served.</p>
      <ProblemMessage error={drops.error} />
      {drops.isPending ? (
        <Loading what="flash sales" />
      ) : drops.data?.items.length === 0 ? (
        <p>No flash sales right now. Come back soon.</p>
      ) : (
        <ul className="product-grid">
          {drops.data?.items.map((d) => {
            const phase = dropPhase(d, now);
            return (
              <li key={d.id} className="card">
                <h2 className="product-name">
                  <Link to={`/drops/${d.id}`}>{d.name}</Link>
                </h2>
                <p className="price">{points(d.points_price)}</p>
                <p>
                  <span className={`pill pill-${phase}`}>{phaseText[phase]}</span> · {d.remaining}{' '}
                  of {d.quantity} left
                </p>
                <p className="muted">
                  {phase === 'upcoming'
                    ? `Opens ${dateTime(d.opens_at)}`
                    : `Closes ${dateTime(d.closes_at)}`}
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
