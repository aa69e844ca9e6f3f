/**
 * What people ask of orders, for /metrics:
 * - `checkout_step_failures_total{step,outcome}`: a saga step refused (`refused`: the card
 *   declined, out of stock, not enough points), left unknown for a retry (`unknown`: the
 *   dependency did not answer), or given up on after its retries (`gave_up`); counted where
 *   the saga records it;
 * - `orders_revenue_minor_total{currency}`: the totals of orders paid (points' value and
 *   cash), in minor units, gross of refunds; counted when the payment is recorded;
 * - `orders_by_status{status}`: orders in each status, read at scrape time (so every pod
 *   reports the same figures) with a time limit, and at most every `statusReadEveryMs`.
 */
import { orderStatuses } from '@redemption/contracts';
import type { Db, Logger } from '@redemption/kernel';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CheckoutStep } from '../domain/checkout-steps.ts';
import { ordersRepository } from '../store/orders.repository.ts';

export type StepFailure = 'refused' | 'unknown' | 'gave_up';

/** What the saga reports; a no-op without metrics (unit tests). */
export interface SagaMetrics {
  stepFailed(step: CheckoutStep, outcome: StepFailure): void;
  paid(currency: string, totalMinor: number): void;
}

export const noSagaMetrics: SagaMetrics = { stepFailed: () => undefined, paid: () => undefined };

export function createSagaMetrics(registry: Registry): SagaMetrics {
  const failures = new Counter({
    name: 'checkout_step_failures_total',
    help: 'checkout saga steps that failed, by step and outcome (refused, unknown, gave_up)',
    labelNames: ['step', 'outcome'] as const,
    registers: [registry],
  });
  const revenue = new Counter({
    name: 'orders_revenue_minor_total',
    help: 'totals of orders paid (points value + cash), minor units, by currency, gross of refunds',
    labelNames: ['currency'] as const,
    registers: [registry],
  });
  return {
    stepFailed: (step, outcome) => failures.inc({ step, outcome }),
    paid: (currency, totalMinor) => revenue.inc({ currency }, totalMinor),
  };
}

/** The count query may take this long at most (a big table on a busy database): no figure then. */
const statusReadTimeoutMs = 2_000;
/** Scrapes closer together than this reuse the last figures (every pod is scraped). */
const statusReadEveryMs = 15_000;

export function registerOrderStatusMetrics(registry: Registry, db: Db, log: Logger): void {
  let last: { at: number; counts: Map<string, number> } | undefined;
  let inFlight: Promise<Map<string, number> | undefined> | undefined;
  const read = (): Promise<Map<string, number> | undefined> => {
    if (last && Date.now() - last.at < statusReadEveryMs) return Promise.resolve(last.counts);
    return (inFlight ??= ordersRepository
      .countByStatus(db, statusReadTimeoutMs)
      .then((counts) => {
        last = { at: Date.now(), counts };
        return counts;
      })
      .catch((err: unknown) => {
        log.warn({ err }, 'could not count orders by status for /metrics');
        return undefined;
      })
      .finally(() => (inFlight = undefined)));
  };
  new Gauge({
    name: 'orders_by_status',
    help: 'orders in each status (pending, processing, shipped, delivered, cancelled, refunded)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const counts = await read();
      if (!counts) return;
      for (const status of orderStatuses) this.set({ status }, counts.get(status) ?? 0);
    },
  });
}
