import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { LedgerMetrics } from './ledger.service.ts';

const batchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** Ledger metrics: operations by kind and outcome, batch sizes, queue depth, drop stock. */
export function createLedgerMetrics(registry: Registry, queueDepth: () => number) {
  const ops = new Counter({
    name: 'ledger_operations_total',
    help: 'ledger operations by kind and outcome',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const batch = new Histogram({
    name: 'ledger_batch_size',
    help: 'operations applied per database transaction',
    buckets: batchSizeBuckets,
    registers: [registry],
  });
  new Gauge({
    name: 'ledger_queue_depth',
    help: 'ledger operations waiting for a batch',
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  const remaining = new Gauge({
    name: 'drop_remaining',
    help: 'units left in a flash-sale drop',
    labelNames: ['drop_id'],
    registers: [registry],
  });
  const sink: LedgerMetrics = {
    onBatch: (n) => batch.observe(n),
    onResult: (kind, outcome) => ops.inc({ kind, outcome }),
  };
  return {
    sink,
    dropRemaining: (dropId: string, n: number) => remaining.set({ drop_id: dropId }, n),
  };
}
