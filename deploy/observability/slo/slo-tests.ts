/**
 * The promtool unit tests of the burn-rate alerts (tests/slo-<id>.test.yml), generated like the
 * rules so the expected annotations follow them. What each scenario expects (which window
 * pairs fire) is written here by hand: the point of the tests.
 */
import { stringify } from 'yaml';
import { burnAlertRules, budget } from './slo-rules.ts';
import { slos, type Slo } from './slos.ts';

/** Requests per minute in every scenario. */
const ratePerMin = 10_000;

interface Phase {
  minutes: number;
  /** bad-event ratio as a multiple of the error budget */
  burn: number;
}

interface Scenario {
  name: string;
  phases: Phase[];
  evalAt: string;
  /** long windows of the burn alerts expected to fire at `evalAt` */
  fires: Array<'1h' | '6h' | '3d'>;
  /** add series the objective must ignore (the gateway's copies, health checks, reads) */
  noise?: boolean;
}

const scenarios: Scenario[] = [
  {
    name: 'a 20x burn trips every window pair (14.4x and 6x page, 1x ticket)',
    phases: [{ minutes: 70, burn: 20 }],
    evalAt: '65m',
    fires: ['1h', '6h', '3d'],
  },
  {
    name: 'a 10x burn: below the 14.4x page, above the 6x page',
    phases: [{ minutes: 70, burn: 10 }],
    evalAt: '65m',
    fires: ['6h', '3d'],
  },
  {
    name: 'a 3x burn: below both pages, a ticket',
    phases: [{ minutes: 70, burn: 3 }],
    evalAt: '65m',
    fires: ['3d'],
  },
  {
    name: 'a 0.8x burn is within budget: quiet, whatever else fails around it',
    phases: [{ minutes: 70, burn: 0.8 }],
    evalAt: '65m',
    fires: [],
    noise: true,
  },
  {
    name: 'a 20x burn that stopped 10 minutes ago: the 5m window resets the 14.4x page',
    phases: [
      { minutes: 60, burn: 20 },
      { minutes: 15, burn: 0 },
    ],
    evalAt: '70m',
    fires: ['6h', '3d'],
  },
];

const num = (n: number): string => String(Number(n.toPrecision(10)));

/** promtool's expanding notation for a counter growing `perMin[i]` a minute in phase i. */
function counter(phases: Phase[], perMin: (p: Phase) => number): string {
  let value = 0;
  return phases
    .map((p, i) => {
      const inc = perMin(p);
      const start = i === 0 ? 0 : value + inc;
      const steps = i === 0 ? p.minutes : p.minutes - 1;
      value = start + inc * steps;
      return `${num(start)}+${num(inc)}x${steps}`;
    })
    .join(' ');
}

type Series = { series: string; values: string };
const seriesOf = (metric: string, labels: Record<string, string>, values: string): Series => ({
  series: `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`,
  values,
});

function traffic(s: Slo, phases: Phase[]): Series[] {
  const bad = (p: Phase) => ratePerMin * p.burn * budget(s);
  const good = (p: Phase) => ratePerMin - bad(p);
  const sel: Record<string, Record<string, string>> = {
    'redemption-availability': {
      method: 'POST',
      route: '/api/loyalty/redemptions',
      service: 'loyalty',
    },
    'redemption-latency': {
      method: 'POST',
      route: '/api/loyalty/drops/:id/claims',
      service: 'loyalty',
    },
    'checkout-availability': { method: 'POST', route: '/api/orders', service: 'orders' },
    'gateway-availability': {
      method: 'POST',
      route: '/api/loyalty/redemptions',
      service: 'gateway',
    },
  };
  const l = sel[s.id]!;
  if (s.id === 'redemption-latency')
    return [
      seriesOf(
        'http_request_duration_seconds_count',
        { ...l, status_code: '201' },
        counter(phases, () => ratePerMin),
      ),
      seriesOf(
        'http_request_duration_seconds_bucket',
        { ...l, status_code: '201', le: '0.25' },
        counter(phases, good),
      ),
    ];
  return [
    seriesOf('http_requests_total', { ...l, status_code: '201' }, counter(phases, good)),
    seriesOf('http_requests_total', { ...l, status_code: '500' }, counter(phases, bad)),
  ];
}

/** Failing series next to the objective's that it must not count. */
function noise(s: Slo, minutes: number): Series[] {
  const failing = (labels: Record<string, string>) =>
    seriesOf(
      'http_requests_total',
      { ...labels, status_code: '503' },
      `0+${ratePerMin}x${minutes}`,
    );
  if (s.id === 'redemption-latency')
    return [
      seriesOf(
        'http_request_duration_seconds_count',
        {
          method: 'POST',
          route: '/api/loyalty/drops/:id/claims',
          service: 'gateway',
          status_code: '201',
        },
        `0+${ratePerMin}x${minutes}`,
      ),
    ];
  if (s.id === 'gateway-availability')
    return [failing({ method: 'GET', route: '/health/ready', service: 'gateway' })];
  return [
    failing({
      method: 'POST',
      route: s.id === 'checkout-availability' ? '/api/orders' : '/api/loyalty/redemptions',
      service: 'gateway',
    }),
    failing({ method: 'GET', route: '/api/orders/:id', service: 'orders' }),
  ];
}

function sloTest(s: Slo, sc: Scenario) {
  const minutes = sc.phases.reduce((n, p) => n + p.minutes, 0);
  const rules = burnAlertRules(s);
  return {
    name: `${s.id}: ${sc.name}`,
    interval: '1m',
    input_series: [...traffic(s, sc.phases), ...(sc.noise ? noise(s, minutes) : [])],
    alert_rule_test: [
      {
        eval_time: sc.evalAt,
        alertname: s.alert,
        exp_alerts: rules
          .filter((r) => (sc.fires as string[]).includes(r.labels.long_window!))
          .map((r) => ({ exp_labels: r.labels, exp_annotations: r.annotations })),
      },
    ],
  };
}

/** One test file per objective: relative path under tests/ and its content. */
export function sloTestFiles(): Array<{ file: string; content: string }> {
  return slos.map((s) => ({
    file: `slo-${s.id}.test.yml`,
    content:
      `# Generated by \`node deploy/observability/slo/generate-rules.ts\` from slo/slo-tests.ts: do not edit.\n` +
      stringify(
        {
          rule_files: ['../rules/slo.rules.yml'],
          evaluation_interval: '1m',
          tests: scenarios.map((sc) => sloTest(s, sc)),
        },
        { lineWidth: 0 },
      ),
  }));
}
