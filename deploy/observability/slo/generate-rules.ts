/**
 * Writes rules/slo.rules.yml and tests/slo-*.test.yml from slos.ts and slo-tests.ts, then
 * prometheus-rule.yaml from rules/*.rules.yml, formatted by prettier: `node deploy/observability/slo/generate-rules.ts`. observability.test.ts checks
 * that the files hold what slo/ generates.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { prometheusRuleYaml } from './prometheus-rule.ts';
import { sloRulesYaml } from './slo-rules.ts';
import { sloTestFiles } from './slo-tests.ts';

const at = (rel: string): string => fileURLToPath(new URL(`../${rel}`, import.meta.url));
async function write(rel: string, yaml: string): Promise<void> {
  const options = { ...(await resolveConfig(at(rel))), filepath: at(rel) };
  writeFileSync(at(rel), await format(yaml, options));
}

await write('rules/slo.rules.yml', sloRulesYaml());
for (const t of sloTestFiles()) await write(`tests/${t.file}`, t.content);
await write('prometheus-rule.yaml', prometheusRuleYaml(at('.')));
console.log('wrote rules/slo.rules.yml, tests/slo-*.test.yml and prometheus-rule.yaml');
