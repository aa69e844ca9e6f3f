/**
 * The alerting rules: generated files agree with their source, every alert links a runbook
 * that exists, and Debian's promtool accepts the rules (`check rules`) and passes their unit
 * tests (`test rules`: each alert fires at its burn rate or threshold and stays quiet below).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { observabilityDir, promtool, promtoolGate } from './promtool.ts';
import { prometheusRuleYaml } from './slo/prometheus-rule.ts';
import { scaleWindow, sloRulesYaml } from './slo/slo-rules.ts';
import { sloTestFiles } from './slo/slo-tests.ts';

const rulesDir = join(observabilityDir, 'rules');
const testsDir = join(observabilityDir, 'tests');
const runbooksDir = join(observabilityDir, '../../docs/runbooks');
const ruleFiles = readdirSync(rulesDir).filter((f) => f.endsWith('.rules.yml'));
const testFiles = readdirSync(testsDir).filter((f) => f.endsWith('.test.yml'));

interface RuleFile {
  groups: Array<{
    name: string;
    rules: Array<{
      alert?: string;
      record?: string;
      expr: string;
      annotations?: Record<string, string>;
    }>;
  }>;
}
const alerts = ruleFiles.flatMap((f) =>
  (parse(readFileSync(join(rulesDir, f), 'utf8')) as RuleFile).groups.flatMap((g) =>
    g.rules.filter((r) => r.alert),
  ),
);

describe('deploy/observability rules', () => {
  it('rules/slo.rules.yml, tests/slo-*.test.yml and prometheus-rule.yaml are what slo/ generates', () => {
    const hint = 'run: node deploy/observability/slo/generate-rules.ts';
    // Compared as data: the files on disk are also formatted by prettier.
    const read = (path: string): unknown => parse(readFileSync(path, 'utf8'));
    expect(read(join(rulesDir, 'slo.rules.yml')), hint).toEqual(parse(sloRulesYaml()));
    for (const t of sloTestFiles())
      expect(read(join(testsDir, t.file)), hint).toEqual(parse(t.content));
    expect(read(join(observabilityDir, 'prometheus-rule.yaml')), hint).toEqual(
      parse(prometheusRuleYaml(observabilityDir)),
    );
  });

  it('every alert has a severity and a runbook in docs/runbooks that exists', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const a of alerts) {
      const url = a.annotations?.['runbook_url'] ?? '';
      const m = /\/docs\/runbooks\/([a-z0-9-]+\.md)$/.exec(url);
      expect(m, `${a.alert}: runbook_url ${url}`).not.toBeNull();
      expect(existsSync(join(runbooksDir, m![1]!)), `${a.alert}: ${m![1]} is missing`).toBe(true);
    }
  });

  it('the scaled copy (npm run observe) divides the windows and keeps names and thresholds', () => {
    expect(['5m', '1h', '3d', '30s'].map((w) => scaleWindow(w, 60))).toEqual([
      '5s',
      '60s',
      '4320s',
      '1s',
    ]);
    const real = parse(sloRulesYaml()) as RuleFile;
    const scaled = parse(sloRulesYaml({ windowScale: 60 })) as RuleFile;
    const alertsOf = (f: RuleFile) => f.groups[1]!.rules.map((r) => [r.alert, r.expr]);
    expect(alertsOf(scaled)).toEqual(alertsOf(real));
    const ratio1h = (f: RuleFile) =>
      f.groups[0]!.rules.find((r) => r.record === 'slo:sli_error:ratio_rate1h')!;
    expect(ratio1h(scaled).expr).toBe(ratio1h(real).expr.replaceAll('[1h]', '[60s]'));
  });

  it('every alert name has a unit test file that names it', () => {
    const tests = testFiles.map((f) => readFileSync(join(testsDir, f), 'utf8')).join('\n');
    for (const name of new Set(alerts.map((a) => a.alert)))
      expect(tests, `no promtool test names ${name}`).toContain(`alertname: ${name}`);
  });
});

const gate = promtoolGate();

describe.skipIf(!gate.ok)('deploy/observability with promtool', () => {
  it('promtool check rules accepts every rule file', () => {
    const r = promtool(['check', 'rules', ...ruleFiles.map((f) => `rules/${f}`)]);
    expect(r.status, r.output).toBe(0);
  });

  it('promtool test rules: every alert fires at its burn rate or threshold and is quiet below', () => {
    const r = promtool(['test', 'rules', ...testFiles.map((f) => `tests/${f}`)]);
    expect(r.status, r.output).toBe(0);
    expect(r.output.match(/SUCCESS/g)?.length).toBe(testFiles.length);
  }, 180_000);
});
