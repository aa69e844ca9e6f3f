import { analyticsMetrics, analyticsWindowKinds } from '@redemption/contracts';
import { DateTime, Nullable, OneOf, Problem, type ProblemDoc } from '@redemption/kernel';
import { Type } from 'typebox';

/** Windows one page returns at most. */
export const windowsPageMax = 100;
export const windowsPageDefault = 50;
/** Widest `from`..`to` range one query may ask for (days). */
export const windowsRangeMaxDays = 31;
/** Without `from`, the range starts this long before `to` (hours). */
export const windowsRangeDefaultH = 24;

export const WindowsQuery = Type.Object({
  kind: Type.Optional(
    OneOf(analyticsWindowKinds, {
      default: 'sliding_5m',
      description: 'tumbling_5m, sliding_5m (5 minutes every minute) or day',
    }),
  ),
  from: Type.Optional(
    Type.String({ format: 'date-time', description: 'windows starting at or after this' }),
  ),
  to: Type.Optional(
    Type.String({ format: 'date-time', description: 'windows starting before this (default now)' }),
  ),
  metric: Type.Optional(
    Type.String({
      maxLength: 400,
      description: `only these metrics, comma-separated: ${analyticsMetrics.join(', ')}`,
      examples: ['orders,revenue'],
    }),
  ),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: windowsPageMax, default: windowsPageDefault }),
  ),
  cursor: Type.Optional(
    Type.String({ maxLength: 200, description: 'next_cursor of the previous page' }),
  ),
});

const ResultRow = Type.Object({
  metric: Type.String(),
  key: Type.String({ description: "currency, country, drop id, rank ('01'..'10'), or ''" }),
  value: Type.Integer(),
  label: Nullable(Type.String({ description: 'top_product: the product id' })),
});

export const WindowResult = Type.Object({
  kind: OneOf(analyticsWindowKinds),
  start: DateTime,
  end: DateTime,
  revision: Type.Integer({ description: '1 when it fired; one more per late update' }),
  updated_at: DateTime,
  rows: Type.Array(ResultRow),
});

const example = {
  kind: 'sliding_5m',
  start: '2026-12-01T10:00:00.000Z',
  end: '2026-12-01T10:05:00.000Z',
  revision: 1,
  updated_at: '2026-12-01T10:05:06.000Z',
  rows: [
    { metric: 'orders', key: '', value: 42, label: null },
    { metric: 'revenue', key: 'EUR', value: 183_400, label: null },
    { metric: 'top_product', key: '01', value: 17, label: '01937a4e-0000-7000-8000-00000000000a' },
  ],
};

export const WindowsPage = Type.Object(
  { items: Type.Array(WindowResult), next_cursor: Nullable(Type.String()) },
  {
    description: 'Fired windows of one kind, oldest first',
    examples: [{ items: [example], next_cursor: null }],
  },
);

export const EngineStatus = Type.Object({
  watermark: Nullable(DateTime),
  max_event_at: Nullable(DateTime),
  events_folded: Type.Integer(),
  events_dropped_late: Type.Integer(),
  live_clients: Type.Integer(),
  out_of_orderness_s: Type.Integer(),
  allowed_lateness_s: Type.Integer(),
});

export const liveFullDoc: ProblemDoc = {
  description: 'Too many live streams on this process; retry after Retry-After',
  example: {
    type: '/problems/live-clients-full',
    title: 'Service Unavailable',
    status: 503,
    detail: 'This process already serves 50 live streams; retry in 5 s',
  },
};

/** The live route's 406 (documented here: the kernel's list has no 406). */
export const notAcceptableDoc = {
  description: 'The Accept header does not allow text/event-stream',
  content: {
    'application/problem+json': {
      schema: Type.Object(Problem.properties, {
        additionalProperties: true,
        examples: [
          {
            type: '/problems/not-acceptable',
            title: 'Not Acceptable',
            status: 406,
            detail: 'This route answers text/event-stream only; send Accept: text/event-stream',
          },
        ],
      }),
    },
  },
};
