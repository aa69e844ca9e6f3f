import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, must } from '../api/client.ts';
import { dateTime } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';

export function DeadLettersPage() {
  usePageTitle('Admin: dead letters');
  const queryClient = useQueryClient();
  const letters = useQuery({
    queryKey: ['dead-letters'],
    queryFn: () =>
      must(
        api.GET('/api/admin/dead-letters', {
          params: { query: { limit: 100, include_replayed: true } },
        }),
      ),
  });
  const replay = useMutation({
    mutationFn: (id: string) =>
      must(api.POST('/api/admin/dead-letters/{id}/replay', { params: { path: { id } } })),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['dead-letters'] }),
  });
  return (
    <section>
      <h1>Dead-letter queue</h1>
      <p className="muted">
        Events a consumer failed on {`after every attempt`}. Replay sends one through its consumer
        group again once the cause is fixed.
      </p>
      <ProblemMessage error={letters.error ?? replay.error} />
      {letters.isPending ? (
        <Loading what="dead letters" />
      ) : letters.data?.items.length === 0 ? (
        <p>The queue is empty: every event was handled.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Dead letters, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Consumer</th>
              <th scope="col">Event</th>
              <th scope="col">Error</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {letters.data?.items.map((d) => (
              <tr key={d.id}>
                <td>{dateTime(d.created_at)}</td>
                <td>
                  {d.group_name}
                  <div className="muted small">{d.topic}</div>
                </td>
                <td>
                  {d.event_type}
                  <div className="muted small">after {d.attempts} attempts</div>
                </td>
                <td className="error-text">{d.error}</td>
                <td>
                  {d.replayed_at ? (
                    `Replayed ${dateTime(d.replayed_at)}`
                  ) : (
                    <button
                      type="button"
                      className="button"
                      disabled={replay.isPending}
                      onClick={() => replay.mutate(d.id)}
                    >
                      Replay<span className="visually-hidden"> event {d.event_id}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
