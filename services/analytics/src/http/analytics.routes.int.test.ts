/**
 * The analytics routes on a real PostgreSQL after the fixed event set: windows by range, metric
 * and page, their limits and refusals, and the live stream over a real HTTP connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTempDatabase,
  postgresGate,
  type ModuleHarness,
  type TempDatabase,
} from '@redemption/kernel/testing';
import {
  feed,
  newTestEnv,
  startAnalytics,
  waitHandled,
  type AnalyticsTestEnv,
} from '../testing/analytics-harness.ts';
import { fixedEventSet } from '../testing/fixed-events.ts';

const gate = postgresGate();
const set = fixedEventSet();
const from = new Date(set.base).toISOString();
const to = new Date(set.base + 2 * 3_600_000).toISOString();
const windowsUrl = (q: string) => `/api/analytics/windows?from=${from}&to=${to}&${q}`;

interface WindowView {
  kind: string;
  start: string;
  revision: number;
  rows: Array<{ metric: string; key: string; value: number; label: string | null }>;
}

describe.skipIf(!gate.url)('analytics routes (PostgreSQL)', () => {
  let temp: TempDatabase;
  let h: ModuleHarness;
  let t: AnalyticsTestEnv;
  let fed = 0;

  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    t = newTestEnv(temp.url);
    h = await startAnalytics(t);
    const all = [...set.phase1, ...set.ticks, ...set.tooLate, set.marker(0)];
    await feed(h.platform.db, t.topic, all);
    fed = all.length;
    await waitHandled(h.platform.db, t.group, fed);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await temp?.drop();
  });

  it('pages through the windows of a range, oldest first, with only the metrics asked for', async () => {
    const seen: WindowView[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `kind=tumbling_5m&metric=orders,revenue&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await h.call<{ items: WindowView[]; next_cursor: string | null }>(
        'GET',
        windowsUrl(q),
        h.adminToken,
      );
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(5);
      seen.push(...r.body.items);
      cursor = r.body.next_cursor;
    } while (cursor);
    // 70 minutes of events: 14 tumbling windows, each once, in order.
    expect(seen.map((w) => w.start)).toEqual(
      Array.from({ length: 14 }, (_, i) => new Date(set.base + i * 300_000).toISOString()),
    );
    const metrics = new Set(seen.flatMap((w) => w.rows.map((r) => r.metric)));
    expect([...metrics].sort()).toEqual(['orders', 'revenue']);

    const day = await h.call<{ items: WindowView[] }>('GET', windowsUrl('kind=day'), h.adminToken);
    expect(day.body.items).toHaveLength(0); // the day starts before `from`
    const engine = await h.call('GET', '/api/analytics/engine', h.adminToken);
    expect(engine.body).toMatchObject({ events_dropped_late: 2, allowed_lateness_s: 120 });
  });

  it('refuses bad input with problem+json 400s, and members with 403', async () => {
    const forged = Buffer.from('w|not a time').toString('base64url');
    for (const q of [
      `cursor=${forged}`,
      'cursor=%%%',
      'limit=101',
      'limit=0',
      'metric=orders,nonsense',
      'kind=hourly',
    ]) {
      const r = await h.call('GET', windowsUrl(q), h.adminToken);
      expect(r.status, q).toBe(400);
      expect(String(r.headers['content-type'])).toContain('application/problem+json');
    }
    const backwards = await h.call(
      'GET',
      `/api/analytics/windows?from=${to}&to=${from}`,
      h.adminToken,
    );
    expect(backwards.status).toBe(400);
    const tooWide = await h.call(
      'GET',
      '/api/analytics/windows?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z',
      h.adminToken,
    );
    expect(tooWide.status).toBe(400);
    const member = await h.member();
    expect((await h.call('GET', windowsUrl(''), member.token)).status).toBe(403);
    expect((await h.call('GET', windowsUrl(''), null)).status).toBe(401);
    expect((await h.call('GET', '/api/analytics/live', member.token)).status).toBe(403);
    const json = await h.call('GET', '/api/analytics/live', h.adminToken, undefined, null, {
      accept: 'application/json',
    });
    expect(json.status).toBe(406);
  });

  it('streams a snapshot, then each window as it fires (server-sent events)', async () => {
    const address = await h.platform.app.listen({ port: 0, host: '127.0.0.1' });
    const ac = new AbortController();
    const res = await fetch(`${address}/api/analytics/live`, {
      headers: { authorization: `Bearer ${h.adminToken}`, accept: 'text/event-stream' },
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}:\n${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(/event: snapshot\ndata: .*\n\n/);
    expect(text).toMatch(/^retry: \d+\n\n/);
    const snapshot = JSON.parse(/event: snapshot\ndata: (.*)\n/.exec(text)![1]!) as {
      windows: WindowView[];
    };
    expect(snapshot.windows.length).toBeGreaterThan(0);

    // An event ten minutes after the marker: the marker's windows fire and are pushed.
    await feed(h.platform.db, t.topic, [set.marker(600)]);
    const markerWindow = new Date(Date.parse(set.marker(0).event.time)).toISOString();
    const tumblingStart = markerWindow.replace(/:\d\d:\d\d\.\d+Z$/, ':10:00.000Z');
    await readUntil(
      new RegExp(`event: window\\ndata: \\{"kind":"tumbling_5m","start":"${tumblingStart}`),
    );
    ac.abort();
    await reader.cancel().catch(() => undefined);
  }, 60_000);
});
