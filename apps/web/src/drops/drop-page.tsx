import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api, must } from '../api/client.ts';
import { points } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { useSession } from '../auth/use-session.ts';
import { retryAfter } from '../auth/session.ts';
import { ClaimButton, type ClaimResponse } from '../components/claim-button.tsx';
import { Countdown, useNow } from '../components/countdown.tsx';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';
import { Link } from 'react-router';
import { dropPhase, dropQuery } from './drop-queries.ts';

async function submitClaim(dropId: string, key: string): Promise<ClaimResponse> {
  const { data, error, response } = await api.POST('/api/loyalty/drops/{id}/claims', {
    params: { path: { id: dropId }, header: { 'idempotency-key': key } },
    // respond-async: when the ledger is saturated the claim waits in a queue (202) instead of
    // being refused (429); the page then watches the queued operation.
    headers: { prefer: 'respond-async' },
    body: {},
  });
  return { status: response.status, body: data ?? error, retryAfterS: retryAfter(response) };
}

async function pollClaim(operationId: string): Promise<ClaimResponse | undefined> {
  const op = await must(
    api.GET('/api/loyalty/operations/{id}', { params: { path: { id: operationId } } }),
  );
  if (op.status === 'pending' || op.status_code === null) return undefined;
  return { status: op.status_code, body: op.result };
}

export default function DropPage() {
  const { id = '' } = useParams();
  const drop = useQuery(dropQuery(id));
  const session = useSession();
  const queryClient = useQueryClient();
  const now = useNow();
  usePageTitle(drop.data?.name ?? 'Flash sale');
  if (drop.isPending) return <Loading what="the flash sale" />;
  if (!drop.data) return <ProblemMessage error={drop.error} />;
  const d = drop.data;
  const phase = dropPhase(d, now);
  const soldPct = Math.round((d.sold / d.quantity) * 100);
  return (
    <section className="drop">
      <h1>{d.name}</h1>
      <p className="price price-large">{points(d.points_price)}</p>
      {phase === 'upcoming' && <Countdown targetIso={d.opens_at} label="Opens in" />}
      {phase === 'open' && <Countdown targetIso={d.closes_at} label="Closes in" />}
      <p className="remaining" aria-live="polite">
        <strong data-testid="remaining">{d.remaining}</strong> of {d.quantity} left
      </p>
      <progress max={d.quantity} value={d.sold} aria-label={`${soldPct}% claimed`} />
      <p className="muted">Each member may claim up to {d.per_member_limit}.</p>
      {session.status === 'signed-in' ? (
        <ClaimButton
          key={d.id}
          pointsPrice={d.points_price}
          open={phase === 'open'}
          submit={(key) => submitClaim(d.id, key)}
          poll={pollClaim}
          onSettled={() => {
            void queryClient.invalidateQueries({ queryKey: ['drop', d.id] });
            void queryClient.invalidateQueries({ queryKey: ['account'] });
          }}
        />
      ) : (
        <p>
          <Link to={`/sign-in?next=/drops/${d.id}`}>Sign in</Link> to claim.
        </p>
      )}
      {phase === 'sold-out' && <p className="notice">Sold out.</p>}
      {phase === 'closed' && <p className="notice">This flash sale has closed.</p>}
    </section>
  );
}
