import {
  catalogClient,
  chargeProcessingMaxMs,
  loyaltyClient,
  paymentsClient,
} from '@redemption/contracts';
import { idempotencyLeaseMs, type ServiceModule } from '@redemption/kernel';
import { createCheckoutSaga, type SagaOptions } from './app/checkout.saga.ts';
import { createOrderService } from './app/order.service.ts';
import { createSagaMetrics, registerOrderStatusMetrics } from './app/orders.metrics.ts';
import { recoveryJob, type RecoveryOptions } from './app/recovery.worker.ts';
import { createRefunds } from './app/refunds.service.ts';
import { retryDelayMs } from './domain/checkout-steps.ts';
import { ordersRoutes } from './http/orders.routes.ts';
import { ordersMigrations } from './store/orders.migrations.ts';
import { ordersConfig } from './orders.config.ts';

export { ordersConfig } from './orders.config.ts';

export type { SagaOptions } from './app/checkout.saga.ts';
export type { CheckoutStep } from './domain/checkout-steps.ts';

/** Room for a step's own transactions beside its call. */
const leaseMarginMs = 30_000;
/**
 * A run records progress at least once per step, so the lease must outlast the longest step.
 * Over HTTP a call gives up after the transport's timeout × attempts (5 s × 3); in process it
 * has no timeout, and the longest step is a charge, which payments answers within
 * `chargeProcessingMaxMs` (contracts). A shorter lease lets recovery take a live run over
 * (fenced, so safe, but both then ask payments, which answers one of them "in progress").
 */
const leaseMsDefault = chargeProcessingMaxMs + leaseMarginMs;
const sagaAttemptsMaxDefault = 8;
const retryBaseMsDefault = 1_000;
/** Capped so a saga whose dependency came back is finished within minutes, not hours. */
const retryMaxMsDefault = 5 * 60_000;

/**
 * How long a charge's outcome may legitimately stay unknown: payments' own processing window,
 * after (following a crash) the kernel's lease on the dead request's Idempotency-Key. The
 * saga's retry horizon must cover it: giving up earlier is safe (the charge's undo voids the
 * order at payments, so what lands is refunded) but cancels orders that were being paid.
 */
export const chargeUnknownWindowMs = idempotencyLeaseMs + chargeProcessingMaxMs;

/** How long the saga keeps retrying an unknown step before it compensates: its backoffs. */
export function retryHorizonMs(o: Pick<SagaOptions, 'attemptsMax' | 'retryBaseMs' | 'retryMaxMs'>) {
  let total = 0;
  for (let attempt = 1; attempt < o.attemptsMax; attempt++)
    total += retryDelayMs(attempt, o.retryBaseMs, o.retryMaxMs);
  return total;
}

/** The saga's defaults: lease > a charge; retry horizon (1+2+…+64 s = 127 s) > chargeUnknownWindowMs. */
export const sagaOptionsDefault: SagaOptions = {
  leaseMs: leaseMsDefault,
  attemptsMax: sagaAttemptsMaxDefault,
  retryBaseMs: retryBaseMsDefault,
  retryMaxMs: retryMaxMsDefault,
};
const recoveryEveryMsDefault = 5_000;
const recoveryBatchMaxDefault = 20;

export interface OrdersModuleOptions {
  saga?: Partial<SagaOptions>;
  recovery?: Partial<Omit<RecoveryOptions, 'leaseMs'>>;
}

/** Orders with its options (tests shorten the lease and backoff, or stop the saga mid-way). */
export function createOrdersModule(
  opts: OrdersModuleOptions = {},
): ServiceModule<typeof ordersConfig> {
  return {
    name: 'orders',
    migrations: ordersMigrations,
    config: ordersConfig,
    needs: ['catalog', 'loyalty', 'payments'],
    async init(ctx) {
      const clients = {
        catalog: catalogClient(ctx.services.to('catalog')),
        loyalty: loyaltyClient(ctx.services.to('loyalty')),
        payments: paymentsClient(ctx.services.to('payments')),
      };
      const sagaOptions: SagaOptions = { ...sagaOptionsDefault, ...opts.saga };
      const base = { db: ctx.db, events: ctx.events, log: ctx.log, clients };
      const metrics = createSagaMetrics(ctx.metrics);
      registerOrderStatusMetrics(ctx.metrics, ctx.db, ctx.log);
      const saga = createCheckoutSaga({ ...base, options: sagaOptions, metrics });
      const orders = createOrderService({
        ...base,
        saga,
        pointValueMinor: ctx.config.pointValueMinor,
        leaseMs: sagaOptions.leaseMs,
      });
      const refunds = createRefunds({ ...base, saga, leaseMs: sagaOptions.leaseMs });
      return {
        async routes(app) {
          await ordersRoutes(app, { db: ctx.db, idempotency: ctx.idempotency, orders, refunds });
        },
        jobs: [
          recoveryJob(ctx.db, saga, ctx.log, {
            everyMs: recoveryEveryMsDefault,
            batchMax: recoveryBatchMaxDefault,
            ...opts.recovery,
            leaseMs: sagaOptions.leaseMs,
          }),
        ],
      };
    },
  };
}

/** Orders and the checkout saga (catalog reservation, loyalty points, card payment). */
export const ordersModule = createOrdersModule();
