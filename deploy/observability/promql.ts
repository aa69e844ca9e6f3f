/**
 * PromQL as the checks read it: parsed with @prometheus-io/lezer-promql (the Prometheus
 * project's own grammar, the one its web UI uses), metric names taken from the vector
 * selectors. Grafana's variables are replaced by plain values first.
 */
import { parser } from '@prometheus-io/lezer-promql';

const grafanaVariables: Array<[RegExp, string]> = [
  [/\$__rate_interval|\$__interval|\$__range/g, '5m'],
  [/\$\{?[A-Za-z_]\w*\}?/g, '.*'],
];

export const withoutGrafanaVariables = (expr: string): string =>
  grafanaVariables.reduce((e, [re, v]) => e.replace(re, v), expr);

/** Syntax errors (as positions in the expression), none when it parses. */
export function parseErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`syntax error at ${node.from}: "${expr.slice(node.from, node.from + 20)}"`);
    },
  });
  return errors;
}

/** Every metric name the expression selects (`foo{...}`, `foo[5m]`, `foo offset 1h`). */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  parser.parse(expr).iterate({
    enter(node) {
      if (node.name !== 'VectorSelector') return;
      const id = node.node.getChild('Identifier');
      if (id) names.add(expr.slice(id.from, id.to));
      else {
        // {__name__="foo"}: the name as a label matcher
        const m = /__name__\s*=\s*"([^"]+)"/.exec(expr.slice(node.from, node.to));
        if (m) names.add(m[1]!);
      }
    },
  });
  return [...names];
}

/** Sample names a /metrics page can hold: each `# TYPE` line, histograms and summaries expanded. */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const m of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}
