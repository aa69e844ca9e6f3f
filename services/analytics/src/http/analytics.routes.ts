import { analyticsMetrics, type AnalyticsWindowKind } from '@redemption/contracts';
import {
  badRequest,
  problemResponses,
  problemResponsesWith,
  ProblemError,
  requireAdmin,
  type App,
} from '@redemption/kernel';
import type { LiveHub } from '../app/live-hub.ts';
import { windowView } from '../app/live-hub.ts';
import type { WindowsQueries } from '../app/windows.queries.ts';
import {
  EngineStatus,
  liveFullDoc,
  notAcceptableDoc,
  windowsPageDefault,
  WindowsPage,
  WindowsQuery,
  windowsRangeDefaultH,
  windowsRangeMaxDays,
} from './analytics.schemas.ts';
import { decodeWindowsCursor, encodeWindowsCursor } from './windows-cursor.ts';

const tags = ['analytics'];
const hourMs = 3_600_000;
const liveRetryAfterS = 5;
const knownMetrics: ReadonlySet<string> = new Set(analyticsMetrics);

export interface AnalyticsRouteDeps {
  queries: WindowsQueries;
  hub: LiveHub;
  lateness: { outOfOrdernessMs: number; allowedLatenessMs: number };
}

/** `from`..`to` checked: ordered and at most `windowsRangeMaxDays` wide. */
function range(q: { from?: string; to?: string }): { from: number; to: number } {
  const to = q.to ? Date.parse(q.to) : Date.now();
  const from = q.from ? Date.parse(q.from) : to - windowsRangeDefaultH * hourMs;
  if (from >= to)
    throw badRequest('querystring.from must be before querystring.to', 'querystring.from');
  if (to - from > windowsRangeMaxDays * 24 * hourMs)
    throw badRequest(
      `querystring.from..to may span ${windowsRangeMaxDays} days at most`,
      'querystring.from',
    );
  return { from, to };
}

function metricsOf(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const names = raw.split(',').map((s) => s.trim());
  const unknown = names.find((n) => !knownMetrics.has(n));
  if (unknown !== undefined)
    throw badRequest(`querystring.metric: unknown metric "${unknown}"`, 'querystring.metric');
  return names;
}

export async function analyticsRoutes(app: App, deps: AnalyticsRouteDeps): Promise<void> {
  app.get('/api/analytics/windows', {
    schema: {
      tags,
      operationId: 'listAnalyticsWindows',
      summary: 'Window results in a time range (admin)',
      description:
        'Fired windows of one kind whose start is in [from, to), oldest first, with their result rows (or only those of `metric`); `next_cursor` while more remain. Open windows are not listed: a window is listed once the watermark passed its end, and again with a higher `revision` after a late event changed it.',
      querystring: WindowsQuery,
      response: { 200: WindowsPage, ...problemResponses(403) },
    },
    handler: async (req) => {
      requireAdmin(req);
      const { from, to } = range(req.query);
      const limit = req.query.limit ?? windowsPageDefault;
      const items = await deps.queries.page({
        kind: (req.query.kind ?? 'sliding_5m') as AnalyticsWindowKind,
        from,
        to,
        after: req.query.cursor ? decodeWindowsCursor(req.query.cursor) : null,
        metrics: metricsOf(req.query.metric),
        limit: limit + 1,
      });
      const page = items.slice(0, limit);
      return {
        items: page.map(windowView),
        next_cursor:
          items.length > limit ? encodeWindowsCursor(page[page.length - 1]!.start) : null,
      };
    },
  });

  app.get('/api/analytics/engine', {
    schema: {
      tags,
      operationId: 'getAnalyticsEngine',
      summary: 'Where the embedded engine stands (admin)',
      description:
        'The watermark, the newest event time, events counted and dropped as too late, live clients',
      response: { 200: EngineStatus, ...problemResponses(403) },
    },
    handler: async (req) => {
      requireAdmin(req);
      const s = await deps.queries.engine();
      return {
        watermark: s.watermark?.toISOString() ?? null,
        max_event_at: s.max_event_at?.toISOString() ?? null,
        events_folded: s.events_folded,
        events_dropped_late: s.events_dropped_late,
        live_clients: deps.hub.clients(),
        out_of_orderness_s: deps.lateness.outOfOrdernessMs / 1000,
        allowed_lateness_s: deps.lateness.allowedLatenessMs / 1000,
      };
    },
  });

  liveRoute(app, deps.hub);
}

function liveRoute(app: App, hub: LiveHub): void {
  app.get('/api/analytics/live', {
    schema: {
      tags,
      operationId: 'streamAnalyticsWindows',
      summary: 'Window results as they fire (server-sent events, admin)',
      description:
        '`text/event-stream`: `snapshot` (the latest 12 windows of each 5-minute kind), then `window` for every window that fires or changes, a comment heartbeat every 15 s, and `shutdown` before the server closes the stream. Reconnect after `retry` ms.',
      response: {
        200: {
          description: 'An event stream',
          content: { 'text/event-stream': { schema: { type: 'string' } } },
        },
        ...problemResponses(403),
        406: notAcceptableDoc,
        ...problemResponsesWith({ 503: liveFullDoc })(503),
      },
    },
    handler: async (req, reply) => {
      requireAdmin(req);
      if (!acceptsEventStream(req.headers.accept)) throw notAcceptable();
      const res = reply.raw;
      if (hub.isFull()) throw liveFull();
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // Proxies (nginx, the gateway's) must pass events on as they come.
        'x-accel-buffering': 'no',
        'x-request-id': String(req.id),
      });
      res.flushHeaders();
      req.raw.on('close', () => hub.leave(res));
      // Full after all (another client joined meanwhile): the stream just ends.
      if (!(await hub.join(res))) res.end();
    },
  });
}

/** No Accept, or one that allows `text/event-stream` (a wildcard included). */
const acceptsEventStream = (accept: string | undefined): boolean =>
  accept === undefined || /text\/event-stream|text\/\*|\*\/\*/i.test(accept);

const notAcceptable = (): ProblemError =>
  new ProblemError(
    406,
    'not-acceptable',
    'Not Acceptable',
    'This route answers text/event-stream only; send Accept: text/event-stream',
  );

const liveFull = (): ProblemError =>
  new ProblemError(
    503,
    'live-clients-full',
    'Service Unavailable',
    `This process already serves its most live streams; retry in ${liveRetryAfterS} s`,
    {},
    { 'retry-after': String(liveRetryAfterS) },
  );
