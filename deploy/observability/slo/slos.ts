/**
 * The service level objectives, as data. `generate-rules.ts` turns them into the recording
 * rules and the multi-window multi-burn-rate alerts of rules/slo.rules.yml (Google SRE
 * workbook, chapter 5: 14.4x over 1 h and 5 min, 6x over 6 h and 30 min: page; 1x over 3 days
 * and 6 h: ticket).
 *
 * Selectors: every request is counted by the process that served it (http_requests_total,
 * http_request_duration_seconds; route is the route template). In a cluster the ServiceMonitor
 * adds `service` (the Kubernetes Service); the gateway counts the same requests again under
 * its own prefix routes, so the per-service objectives leave it out (`service!="gateway"`).
 * The standalone process (npm start) has no `service` label; `npm run observe` labels it
 * `service="platform"`: it is its own gateway.
 */
export interface Slo {
  /** kebab-case id: the `slo` label and the runbook's file name stem */
  id: string;
  /** the alert's name */
  alert: string;
  /** e.g. 0.9999 */
  objective: number;
  /** what a good event is, for humans (annotations, README) */
  description: string;
  /** PromQL for the bad-event ratio over a window `[w]` (the placeholder `$w`) */
  errorRatio: string;
}

export const redemptionRoutes = [
  '/api/loyalty/redemptions',
  '/api/loyalty/holds',
  '/api/loyalty/holds/:id/capture',
  '/api/loyalty/drops/:id/claims',
];

/** The latency objective's threshold; must be one of the kernel's histogram buckets. */
export const redemptionLatencyThresholdS = 0.25;

const redemption = `method="POST",route=~"${redemptionRoutes.join('|')}",service!="gateway"`;
const checkout = `method="POST",route="/api/orders",service!="gateway"`;
/** The edge: every request but health checks and scrapes. */
const gateway = `service=~"gateway|platform",route!~"/health/.*|/metrics"`;

const serverErrorRatio = (sel: string): string =>
  `(sum(rate(http_requests_total{${sel},status_code=~"5.."}[$w])) or vector(0))\n/\nsum(rate(http_requests_total{${sel}}[$w]))`;

const slowRatio = (sel: string, le: number): string =>
  `1 - (\n  sum(rate(http_request_duration_seconds_bucket{${sel},le="${le}"}[$w]))\n  /\n  sum(rate(http_request_duration_seconds_count{${sel}}[$w]))\n)`;

export const slos: Slo[] = [
  {
    id: 'redemption-availability',
    alert: 'RedemptionAvailabilityBudgetBurn',
    objective: 0.9999,
    description: 'point redemptions, holds, captures and flash-sale claims answered without a 5xx',
    errorRatio: serverErrorRatio(redemption),
  },
  {
    id: 'redemption-latency',
    alert: 'RedemptionLatencyBudgetBurn',
    objective: 0.99,
    description: `point redemptions, holds, captures and flash-sale claims answered within ${redemptionLatencyThresholdS * 1000} ms`,
    errorRatio: slowRatio(redemption, redemptionLatencyThresholdS),
  },
  {
    id: 'checkout-availability',
    alert: 'CheckoutAvailabilityBudgetBurn',
    objective: 0.999,
    description: 'checkouts (POST /api/orders) answered without a 5xx',
    errorRatio: serverErrorRatio(checkout),
  },
  {
    id: 'gateway-availability',
    alert: 'GatewayAvailabilityBudgetBurn',
    objective: 0.999,
    description: 'requests at the edge (gateway, or the standalone process) answered without a 5xx',
    errorRatio: serverErrorRatio(gateway),
  },
];

/** Window pairs and burn-rate factors (SRE workbook, table 5-8). */
export const burnAlerts = [
  { severity: 'page', factor: 14.4, long: '1h', short: '5m' },
  { severity: 'page', factor: 6, long: '6h', short: '30m' },
  { severity: 'ticket', factor: 1, long: '3d', short: '6h' },
] as const;

export const windows = ['5m', '30m', '1h', '6h', '3d'] as const;

export const runbookBase = 'https://github.com/redemption/redemption/blob/main/docs/runbooks';
