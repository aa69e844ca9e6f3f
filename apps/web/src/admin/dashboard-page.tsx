import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, must } from '../api/client.ts';
import { publicApi } from '../api/public-client.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { ProblemMessage } from '../components/problem-message.tsx';
import { rates, type MetricsSample, type RatePoint } from './metrics-rates.ts';

/** One sample every 2 s, the last 5 minutes on the charts. */
const sampleEveryMs = 2_000;
const samplesKept = 150;

interface Series {
  key: keyof RatePoint;
  title: string;
  unit: string;
}
const charts: Series[] = [
  { key: 'ordersPerMin', title: 'Orders per minute', unit: '/min' },
  { key: 'redemptionsPerS', title: 'Redemptions per second', unit: '/s' },
  { key: 'rejectedPct', title: '429 responses', unit: '%' },
  { key: 'p99Ms', title: 'p99 latency', unit: 'ms' },
  { key: 'sellThroughPct', title: 'Drop sell-through (open drops)', unit: '%' },
];

export function DashboardPage() {
  usePageTitle('Admin: dashboard');
  const [points, setPoints] = useState<RatePoint[]>([]);
  const last = useRef<MetricsSample | null>(null);
  const metrics = useQuery({
    queryKey: ['admin-metrics'],
    queryFn: () => must(api.GET('/api/admin/metrics')),
    refetchInterval: sampleEveryMs,
  });
  const drops = useQuery({
    queryKey: ['admin-drops-active'],
    queryFn: () =>
      must(
        publicApi.GET('/api/loyalty/drops', { params: { query: { active: true, limit: 100 } } }),
      ),
    refetchInterval: sampleEveryMs,
  });
  useEffect(() => {
    const m = metrics.data;
    if (!m) return;
    const sold = drops.data?.items.reduce((n, d) => n + d.sold, 0) ?? 0;
    const quantity = drops.data?.items.reduce((n, d) => n + d.quantity, 0) ?? 0;
    const sample: MetricsSample = { ...m, dropSold: sold, dropQuantity: quantity };
    if (last.current && last.current.at !== sample.at) {
      const p = rates(last.current, sample);
      setPoints((ps) => [...ps, p].slice(-samplesKept));
    }
    last.current = sample;
  }, [metrics.data, drops.data]);
  const latest = points[points.length - 1];
  return (
    <section>
      <h1>Operations</h1>
      <p className="muted">
        Live from this platform's own counters, every {sampleEveryMs / 1000} s (the analytics
        service will take over when it lands).
      </p>
      <ProblemMessage error={metrics.error} />
      <div className="chart-grid">
        {charts.map((c) => (
          <figure key={c.key} className="card chart">
            <figcaption>
              {c.title}:{' '}
              <strong>
                {latest ? latest[c.key].toFixed(c.unit === 'ms' ? 0 : 1) : '…'} {c.unit}
              </strong>
            </figcaption>
            <Chart points={points} series={c} />
          </figure>
        ))}
      </div>
    </section>
  );
}

function Chart({ points, series }: { points: RatePoint[]; series: Series }) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const width = Math.max(260, el.current.clientWidth);
    plot.current = new uPlot(
      {
        width,
        height: 160,
        legend: { show: false },
        series: [
          {},
          { label: series.title, stroke: '#0b5cad', width: 2, fill: 'rgba(11,92,173,0.08)' },
        ],
        axes: [{}, { size: 50 }],
      },
      [[], []],
      el.current,
    );
    return () => plot.current?.destroy();
  }, [series.title]);
  useEffect(() => {
    plot.current?.setData([points.map((p) => p.t), points.map((p) => p[series.key])]);
  }, [points, series.key]);
  // The chart is a picture; its latest value is in the caption above for screen readers.
  return <div ref={el} aria-hidden="true" />;
}
