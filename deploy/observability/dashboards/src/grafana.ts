/**
 * A small builder for Grafana dashboard JSON (schema 39): time-series and stat panels on one
 * Prometheus data source chosen by the `datasource` variable. generate-dashboards.ts writes
 * the files; the check reads every `targets[].expr` back.
 */
export interface Target {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  targets: Target[];
  unit?: string;
  type?: 'timeseries' | 'stat';
  description?: string;
  /** width in grid columns (24 a row); 12 unless given */
  w?: number;
}

const ds = { type: 'prometheus', uid: '${datasource}' };
const panelHeight = 8;
const gridWidth = 24;

function panels(specs: PanelSpec[]) {
  let x = 0;
  let y = 0;
  return specs.map((p, i) => {
    const w = p.w ?? 12;
    if (x + w > gridWidth) {
      x = 0;
      y += panelHeight;
    }
    const gridPos = { x, y, w, h: panelHeight };
    x += w;
    return {
      id: i + 1,
      type: p.type ?? 'timeseries',
      title: p.title,
      ...(p.description ? { description: p.description } : {}),
      datasource: ds,
      gridPos,
      fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
      options: {},
      targets: p.targets.map((t, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: ds,
        expr: t.expr,
        legendFormat: t.legend ?? '__auto',
      })),
    };
  });
}

/** A query variable over one label of one metric (multi-select, "All" by default). */
export const labelVariable = (name: string, metric: string, label: string) => ({
  name,
  type: 'query',
  datasource: ds,
  query: { query: `label_values(${metric}, ${label})`, refId: name },
  definition: `label_values(${metric}, ${label})`,
  includeAll: true,
  multi: true,
  allValue: '.*',
  current: { text: 'All', value: '$__all' },
  refresh: 2,
});

export function dashboard(
  uid: string,
  title: string,
  specs: PanelSpec[],
  variables: object[] = [],
): object {
  return {
    uid,
    title,
    tags: ['redemption'],
    timezone: 'browser',
    schemaVersion: 39,
    editable: false,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus', current: {} },
        ...variables,
      ],
    },
    panels: panels(specs),
  };
}
