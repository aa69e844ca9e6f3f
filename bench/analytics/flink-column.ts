import type { FixedEvent } from '@redemption/analytics/testing';

export interface FlinkFigures {
  perS?: number;
  note?: string;
}

/** The Flink column: only with BENCH_FLINK=1 (it starts a JVM and a MiniCluster). */
export async function flinkColumn(o: {
  brokers: string;
  events: number;
  benchOrder: (run: string, i: number, base: number) => FixedEvent;
}): Promise<FlinkFigures> {
  if (process.env['BENCH_FLINK'] !== '1') return { note: 'not run (BENCH_FLINK=1 runs it)' };
  void o;
  return { note: 'not measured yet' };
}
