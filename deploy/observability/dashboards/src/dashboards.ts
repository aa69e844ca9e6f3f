/** The five dashboards. Every metric named here is exported by the platform or recorded by rules/. */
import { slos } from '../../slo/slos.ts';
import { dashboard, labelVariable, type PanelSpec } from './grafana.ts';

const r = '$__rate_interval';
const svc = 'service=~"$service"';

const serviceRed = dashboard(
  'redemption-service-red',
  'Redemption / Service RED',
  [
    {
      title: 'Requests per second by route',
      unit: 'reqps',
      targets: [
        { expr: `sum by (route) (rate(http_requests_total{${svc}}[${r}]))`, legend: '{{route}}' },
      ],
    },
    {
      title: 'Server errors (5xx) share by route',
      unit: 'percentunit',
      targets: [
        {
          expr: `sum by (route) (rate(http_requests_total{${svc},status_code=~"5.."}[${r}])) / sum by (route) (rate(http_requests_total{${svc}}[${r}]))`,
          legend: '{{route}}',
        },
      ],
    },
    {
      title: 'Latency p50 / p95 / p99',
      unit: 's',
      targets: [0.5, 0.95, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${svc}}[${r}])))`,
        legend: `p${q * 100}`,
      })),
    },
    {
      title: 'Refused for load (429) per second',
      unit: 'reqps',
      targets: [
        {
          expr: `sum by (route) (rate(http_requests_total{${svc},status_code="429"}[${r}]))`,
          legend: '{{route}}',
        },
      ],
    },
    {
      title: 'Event-loop delay p99',
      unit: 's',
      targets: [
        {
          expr: `max by (instance) (nodejs_eventloop_lag_p99_seconds{${svc}})`,
          legend: '{{instance}}',
        },
      ],
    },
    {
      title: 'Database pool: connections in use of the maximum, callers waiting',
      unit: 'short',
      targets: [
        {
          expr: `sum by (instance) (db_pool_connections_in_use{${svc}})`,
          legend: 'in use {{instance}}',
        },
        { expr: `max(db_pool_connections_max{${svc}})`, legend: 'max per process' },
        {
          expr: `sum by (instance) (db_pool_waiting{${svc}})`,
          legend: 'waiting {{instance}}',
        },
      ],
    },
    {
      title: 'CPU and heap',
      unit: 'short',
      targets: [
        {
          expr: `sum by (instance) (rate(process_cpu_seconds_total{${svc}}[${r}]))`,
          legend: 'cpu {{instance}}',
        },
        {
          expr: `sum by (instance) (nodejs_heap_size_used_bytes{${svc}}) / 1024 / 1024`,
          legend: 'heap MiB {{instance}}',
        },
      ],
    },
    {
      title: 'Catalog cache hit ratio',
      unit: 'percentunit',
      targets: [
        {
          expr: `sum(rate(catalog_cache_lookups_total{result="hit"}[${r}])) / sum(rate(catalog_cache_lookups_total[${r}]))`,
          legend: 'hit ratio',
        },
      ],
    },
    {
      title: 'Background job failures per second',
      unit: 'ops',
      targets: [
        {
          expr: `sum by (exported_job) (rate(background_job_failures_total{${svc}}[${r}]))`,
          legend: '{{exported_job}}',
        },
      ],
    },
  ],
  [labelVariable('service', 'http_requests_total', 'service')],
);

const spend = 'kind=~"redeem|claim|capture"';
const ledger = dashboard('redemption-ledger', 'Redemption / Ledger & flash sale', [
  {
    title: 'Redemptions and claims per second by outcome',
    unit: 'ops',
    targets: [
      {
        expr: `sum by (kind, outcome) (rate(ledger_operations_total{${spend}}[${r}]))`,
        legend: '{{kind}} {{outcome}}',
      },
    ],
  },
  {
    title: 'Ledger operations per second by kind',
    unit: 'ops',
    targets: [{ expr: `sum by (kind) (rate(ledger_operations_total[${r}]))`, legend: '{{kind}}' }],
  },
  {
    title: 'Ledger queue depth (429 at LEDGER_QUEUE_DEPTH_MAX, 10000 by default)',
    targets: [{ expr: 'max by (instance) (ledger_queue_depth)', legend: '{{instance}}' }],
  },
  {
    title: 'Operations per batch (p50, p99, mean)',
    targets: [
      {
        expr: `histogram_quantile(0.5, sum by (le) (rate(ledger_batch_size_bucket[${r}])))`,
        legend: 'p50',
      },
      {
        expr: `histogram_quantile(0.99, sum by (le) (rate(ledger_batch_size_bucket[${r}])))`,
        legend: 'p99',
      },
      {
        expr: `sum(rate(ledger_batch_size_sum[${r}])) / sum(rate(ledger_batch_size_count[${r}]))`,
        legend: 'mean',
      },
    ],
  },
  {
    title: 'Drop units left',
    targets: [{ expr: 'min by (drop_id) (drop_remaining)', legend: '{{drop_id}}' }],
  },
  {
    title: 'Redemption latency p99 (objective: 99% within 250 ms)',
    unit: 's',
    targets: [
      {
        expr: `histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{method="POST",route=~"/api/loyalty/.*",service!="gateway"}[${r}])))`,
        legend: '{{route}}',
      },
    ],
  },
  {
    title: 'Points outstanding (liability)',
    type: 'stat',
    w: 6,
    targets: [{ expr: 'max(loyalty_points_outstanding)' }],
  },
  { title: 'Holds open', type: 'stat', w: 6, targets: [{ expr: 'max(loyalty_holds_open)' }] },
  { title: 'Points held', type: 'stat', w: 6, targets: [{ expr: 'max(loyalty_points_held)' }] },
  {
    title: 'Ledger invariant violations (last verification)',
    type: 'stat',
    w: 6,
    targets: [{ expr: 'sum(max by (check) (ledger_invariant_violations))' }],
  },
  {
    title: 'Since the last ledger verification',
    unit: 's',
    targets: [{ expr: 'time() - max(ledger_verified_at_seconds)' }],
  },
]);

const sagaRoute = (method: string, route: string) =>
  `method="${method}",route="${route}",service!="gateway"`;
const sagaSteps: Array<[string, string, string]> = [
  ['reserve stock', 'POST', '/api/inventory/reservations'],
  ['hold points', 'POST', '/api/loyalty/holds'],
  ['charge', 'POST', '/api/payments/process'],
  ['capture points', 'POST', '/api/loyalty/holds/:id/capture'],
  ['commit stock', 'POST', '/api/inventory/reservations/:id/commit'],
  ['release points', 'POST', '/api/loyalty/holds/:id/release'],
  ['release stock', 'POST', '/api/inventory/reservations/:id/release'],
  ['void charge', 'POST', '/api/payments/void'],
];
const checkout = dashboard('redemption-checkout', 'Redemption / Checkout saga', [
  {
    title: 'Checkouts per second by status',
    unit: 'reqps',
    targets: [
      {
        expr: `sum by (status_code) (rate(http_requests_total{${sagaRoute('POST', '/api/orders')}}[${r}]))`,
        legend: '{{status_code}}',
      },
    ],
  },
  {
    title: 'Checkout latency p50 / p99',
    unit: 's',
    targets: [0.5, 0.99].map((q) => ({
      expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${sagaRoute('POST', '/api/orders')}}[${r}])))`,
      legend: `p${q * 100}`,
    })),
  },
  {
    title: 'Saga steps per second (the service call each step makes)',
    unit: 'reqps',
    w: 24,
    targets: sagaSteps.map(([step, m, route]) => ({
      expr: `sum(rate(http_requests_total{${sagaRoute(m, route)}}[${r}]))`,
      legend: step,
    })),
  },
  {
    title: 'Saga step failures (4xx refusals and 5xx) per second by step',
    unit: 'reqps',
    w: 24,
    targets: sagaSteps.map(([step, m, route]) => ({
      expr: `sum(rate(http_requests_total{${sagaRoute(m, route)},status_code=~"[45].."}[${r}]))`,
      legend: step,
    })),
  },
  {
    title: "Checkout step failures per second by step and outcome (the saga's own count)",
    unit: 'ops',
    w: 24,
    targets: [
      {
        expr: `sum by (step, outcome) (rate(checkout_step_failures_total[${r}]))`,
        legend: '{{step}} {{outcome}}',
      },
    ],
  },
  {
    title: 'Orders by status',
    targets: [{ expr: 'max by (status) (orders_by_status)', legend: '{{status}}' }],
  },
  {
    title: 'Revenue per hour by currency (orders paid, gross, major units)',
    targets: [
      {
        expr: 'sum by (currency) (increase(orders_revenue_minor_total[1h])) / 100',
        legend: '{{currency}}',
      },
    ],
  },
  {
    title: 'Points earned on paid orders: consumer lag',
    targets: [
      {
        expr: 'sum(max by (topic, partition) (events_consumer_lag{group="loyalty.order-earnings"}))',
        legend: 'loyalty.order-earnings',
      },
    ],
  },
  {
    title: 'Earnings applied per second by outcome',
    unit: 'ops',
    targets: [
      {
        expr: `sum by (outcome) (rate(ledger_operations_total{kind="earn"}[${r}]))`,
        legend: '{{outcome}}',
      },
    ],
  },
]);

const kafka = dashboard('redemption-kafka', 'Redemption / Kafka & consumers', [
  {
    title: 'Consumer lag by group',
    w: 24,
    targets: [
      {
        expr: 'sum by (group) (max by (group, topic, partition) (events_consumer_lag))',
        legend: '{{group}}',
      },
    ],
  },
  {
    title: 'Consumer lag by partition',
    targets: [
      {
        expr: 'max by (group, topic, partition) (events_consumer_lag)',
        legend: '{{group}} {{topic}}/{{partition}}',
      },
    ],
  },
  {
    title: 'Dead letters not replayed, by group',
    targets: [{ expr: 'max by (group) (events_dead_letters)', legend: '{{group}}' }],
  },
  {
    title: 'Notifications sent per second by outcome',
    unit: 'ops',
    targets: [
      {
        expr: `sum by (channel, outcome) (rate(notifications_deliveries_total[${r}]))`,
        legend: '{{channel}} {{outcome}}',
      },
    ],
  },
  {
    title: 'Analytics events per second by outcome',
    unit: 'ops',
    targets: [
      { expr: `sum by (outcome) (rate(analytics_events_total[${r}]))`, legend: '{{outcome}}' },
    ],
  },
]);

const sloRow = (id: string): PanelSpec[] => [
  {
    title: `${id}: burn rate (1 = on budget)`,
    targets: ['5m', '1h', '6h', '3d'].map((w) => ({
      expr: `slo:sli_error:ratio_rate${w}{slo="${id}"} / on (slo) slo:error_budget:ratio{slo="${id}"}`,
      legend: w,
    })),
  },
  {
    title: `${id}: error budget left over 3 days`,
    unit: 'percentunit',
    targets: [
      {
        expr: `1 - slo:sli_error:ratio_rate3d{slo="${id}"} / on (slo) slo:error_budget:ratio{slo="${id}"}`,
      },
    ],
  },
];
const sloBurn = dashboard('redemption-slo-burn', 'Redemption / SLO burn', [
  {
    title: 'Burn-rate alerts firing',
    w: 24,
    targets: [
      {
        expr: 'sum by (alertname, severity, long_window) (ALERTS{alertstate="firing",alertname=~".*BudgetBurn"})',
        legend: '{{alertname}} {{long_window}} ({{severity}})',
      },
    ],
  },
  ...slos.flatMap((s) => sloRow(s.id)),
]);

/** File name (under dashboards/) → dashboard JSON. */
export const dashboards: Record<string, object> = {
  'service-red.json': serviceRed,
  'ledger-flash-sale.json': ledger,
  'checkout-saga.json': checkout,
  'kafka-consumers.json': kafka,
  'slo-burn.json': sloBurn,
};
