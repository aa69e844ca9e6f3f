/**
 * The Grafana dashboards and the alert rules name only metrics the platform exports: every
 * module and the platform routes are built in-process (PGlite), /metrics is scraped, and each
 * panel query and rule expression is parsed (lezer-promql; promtool too where installed) and
 * its metric names looked up in the scrape, the rules' own recordings, or a short list of
 * metrics from elsewhere (Prometheus's ALERTS, kube-state-metrics).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildPlatform, loadPlatformConfig, type Platform } from '@redemption/kernel';
import { createTestTokens, testEnvDefaults } from '@redemption/kernel/testing';
import { allModules } from '../../apps/platform/src/modules.ts';
import { platformRoutes } from '../../apps/platform/src/platform-routes.ts';
import { dashboards } from './dashboards/src/dashboards.ts';
import { exportedNames, metricNames, parseErrors, withoutGrafanaVariables } from './promql.ts';
import { observabilityDir, promtool, promtoolGate } from './promtool.ts';

/** Metrics not exported by the platform that rules or dashboards may name, and who exports them. */
const fromElsewhere: Record<string, string> = {
  ALERTS: 'Prometheus itself (one series per pending or firing alert)',
  kube_pod_container_status_restarts_total: 'kube-state-metrics (kube-prometheus-stack)',
};

interface Panel {
  title: string;
  targets: Array<{ expr: string }>;
}
const dashDir = join(observabilityDir, 'dashboards');
const files = readdirSync(dashDir).filter((f) => f.endsWith('.json'));
const queries = files.flatMap((f) =>
  (JSON.parse(readFileSync(join(dashDir, f), 'utf8')) as { panels: Panel[] }).panels.flatMap((p) =>
    p.targets.map((t) => ({ where: `${f} "${p.title}"`, expr: withoutGrafanaVariables(t.expr) })),
  ),
);
type Rule = { record?: string; alert?: string; expr: string };
const rules = readdirSync(join(observabilityDir, 'rules')).flatMap((f) =>
  (
    parse(readFileSync(join(observabilityDir, 'rules', f), 'utf8')) as {
      groups: Array<{ rules: Rule[] }>;
    }
  ).groups.flatMap((g) =>
    g.rules.map((r) => ({ where: `${f} ${r.record ?? r.alert}`, expr: r.expr, record: r.record })),
  ),
);
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));

let platform: Platform | undefined;
let exported = new Set<string>();

beforeAll(async () => {
  const config = loadPlatformConfig({ ...testEnvDefaults, LOG_LEVEL: 'silent' });
  platform = await buildPlatform({
    config,
    modules: allModules,
    name: 'platform',
    version: 'test',
    jwtKeys: (await createTestTokens()).keys,
    extraRoutes: platformRoutes(allModules, 'dashboards-check', config),
  });
  const scrape = await platform.app.inject({ method: 'GET', url: '/metrics' });
  expect(scrape.statusCode).toBe(200);
  exported = exportedNames(scrape.body);
}, 120_000);
afterAll(async () => platform?.close());

describe('deploy/observability dashboards', () => {
  it('dashboards/*.json are what dashboards/src generates', () => {
    const hint = 'run: node deploy/observability/dashboards/src/generate-dashboards.ts';
    expect(files.sort(), hint).toEqual(Object.keys(dashboards).sort());
    for (const f of files)
      expect(JSON.parse(readFileSync(join(dashDir, f), 'utf8')), `${f}: ${hint}`).toEqual(
        dashboards[f],
      );
  });

  it('every panel query and rule expression parses', () => {
    expect(queries.length).toBeGreaterThan(30);
    const bad = [...queries, ...rules].flatMap((q) =>
      parseErrors(q.expr).map((e) => `${q.where}: ${e}`),
    );
    expect(bad).toEqual([]);
  });

  it('every metric a panel or rule names is exported by the platform, recorded by a rule, or listed', () => {
    expect(exported.has('http_requests_total')).toBe(true);
    const unknown = [...queries, ...rules].flatMap((q) =>
      metricNames(q.expr)
        .filter((n) => !exported.has(n) && !recorded.has(n) && !(n in fromElsewhere))
        .map((n) => `${q.where}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('the dashboards show the figures the issue asks for', () => {
    const named = new Set(queries.flatMap((q) => metricNames(q.expr)));
    for (const m of [
      'loyalty_points_outstanding',
      'loyalty_holds_open',
      'ledger_operations_total',
      'drop_remaining',
      'catalog_cache_lookups_total',
      'nodejs_eventloop_lag_p99_seconds',
      'events_consumer_lag',
      'events_dead_letters',
      'slo:sli_error:ratio_rate1h',
      'orders_by_status',
      'orders_revenue_minor_total',
      'checkout_step_failures_total',
      'db_pool_connections_in_use',
      'db_pool_waiting',
    ])
      expect(named, m).toContain(m);
  });
});

describe.skipIf(!promtoolGate().ok)('deploy/observability dashboards with promtool', () => {
  it('promtool parses every panel query (as a recording rule)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dashboards-promql-'));
    try {
      const file = join(dir, 'panels.rules.yml');
      const asRules = queries.map((q, i) => ({ record: `dashboard_query_${i}`, expr: q.expr }));
      writeFileSync(file, stringify({ groups: [{ name: 'panels', rules: asRules }] }));
      const r = promtool(['check', 'rules', file]);
      expect(r.status, r.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
