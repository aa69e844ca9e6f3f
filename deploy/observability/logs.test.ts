/**
 * Log shipping: the Alloy config in deploy/gitops/platform-charts.yaml is logs/config.alloy,
 * its JSON stage reads fields the platform's logger really writes, and Grafana's trace_id
 * derived field finds the id in a real log line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createLogger } from '../../packages/kernel/src/log/logger.ts';
import { observabilityDir } from './promtool.ts';

interface Element {
  app: string;
  values: string;
}
const charts = parse(
  readFileSync(join(observabilityDir, '../gitops/platform-charts.yaml'), 'utf8'),
) as {
  spec: {
    generators: Array<{ matrix: { generators: Array<{ list?: { elements: Element[] } }> } }>;
  };
};
const elements = charts.spec.generators[0]!.matrix.generators.flatMap(
  (g) => g.list?.elements ?? [],
);
interface ChartValues {
  alloy: { configMap: { content: string } };
  grafana: {
    additionalDataSources: Array<{
      type: string;
      jsonData: { derivedFields: Array<{ name: string; matcherRegex: string }> };
    }>;
  };
}
const valuesOf = (app: string): ChartValues =>
  parse(elements.find((e) => e.app === app)!.values) as ChartValues;
const alloyConfig = readFileSync(join(observabilityDir, 'logs/config.alloy'), 'utf8');

/** One JSON line as the platform writes it in a pod. */
function logLine(fields: Record<string, unknown>): Record<string, unknown> & { raw: string } {
  let raw = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      raw += chunk.toString();
      done();
    },
  });
  createLogger('info', 'loyalty', { format: 'json', destination: sink }).info(
    fields,
    'hold placed',
  );
  return { ...(JSON.parse(raw) as Record<string, unknown>), raw: raw.trim() };
}

describe('deploy/observability/logs', () => {
  it('platform-charts installs Alloy with logs/config.alloy as its configuration', () => {
    expect(valuesOf('alloy').alloy.configMap.content).toBe(alloyConfig);
  });

  it("Alloy's JSON stage reads fields the logger writes; service and level are the only line labels", () => {
    const line = logLine({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
    const read = [...alloyConfig.matchAll(/^\s+(\w+)\s+= "(\w+)",$/gm)].map((m) => m[2]!);
    for (const field of ['service', 'level', 'time', 'trace_id']) {
      expect(read).toContain(field);
      expect(line[field], field).toBeDefined();
    }
    expect(line).toMatchObject({ service: 'loyalty', level: 'info' });
    expect(new Date(line['time'] as string).toISOString()).toBe(line['time']); // RFC 3339
    const labels = /stage\.labels \{\s+values = \{([^}]*)\}/.exec(alloyConfig)![1]!;
    expect(labels.match(/\w+(?= +=)/g)).toEqual(['service', 'level']);
  });

  it("Grafana's Loki data source turns trace_id in a log line into a link to the trace", () => {
    const loki = valuesOf('kube-prometheus-stack').grafana.additionalDataSources.find(
      (d) => d.type === 'loki',
    )!;
    const field = loki.jsonData.derivedFields.find((f) => f.name === 'trace_id')!;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(new RegExp(field.matcherRegex).exec(logLine({ trace_id: traceId }).raw)?.[1]).toBe(
      traceId,
    );
  });
});
