import { queryOptions } from '@tanstack/react-query';
import { must } from '../api/client.ts';
import { publicApi } from '../api/public-client.ts';
import type { paths } from '../api/schema.gen.ts';

export type Drop =
  paths['/api/loyalty/drops/{id}']['get']['responses'][200]['content']['application/json'];

/** Remaining units are looked at this often while a drop is open or about to be. */
export const dropPollMs = 1_000;
const dropListPollMs = 5_000;

export const dropsQuery = () =>
  queryOptions({
    queryKey: ['drops'],
    queryFn: () => must(publicApi.GET('/api/loyalty/drops', { params: { query: {} } })),
    refetchInterval: dropListPollMs,
  });

/**
 * Conditional polling: each look sends the ETag it has; the server answers 304 (no body) until
 * something was sold, so a crowd watching a drop costs little.
 */
export function dropQuery(id: string) {
  let etag: string | null = null;
  let last: Drop | undefined;
  return queryOptions({
    queryKey: ['drop', id],
    queryFn: async (): Promise<Drop> => {
      const res = await fetch(`/api/loyalty/drops/${encodeURIComponent(id)}`, {
        headers: etag && last ? { 'if-none-match': etag } : {},
        cache: 'no-store',
      });
      if (res.status === 304 && last) return last;
      if (!res.ok)
        return must(
          Promise.resolve({ error: await res.json().catch(() => undefined), response: res }),
        );
      etag = res.headers.get('etag');
      last = (await res.json()) as Drop;
      return last;
    },
    refetchInterval: (q) => {
      const d = q.state.data;
      return d && (d.remaining === 0 || Date.parse(d.closes_at) < Date.now()) ? false : dropPollMs;
    },
  });
}

export type DropPhase = 'upcoming' | 'open' | 'sold-out' | 'closed';
export function dropPhase(d: Drop, nowMs: number): DropPhase {
  if (d.remaining <= 0) return 'sold-out';
  if (nowMs < Date.parse(d.opens_at)) return 'upcoming';
  if (nowMs >= Date.parse(d.closes_at)) return 'closed';
  return 'open';
}
