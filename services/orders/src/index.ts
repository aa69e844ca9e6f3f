import { catalogClient, loyaltyClient, paymentsClient } from '@redemption/contracts';
import type { ServiceModule } from '@redemption/kernel';
import { createCheckoutSaga, type SagaOptions } from './app/checkout.saga.ts';
import { createOrderService } from './app/order.service.ts';
import { startRecoveryWorker, type RecoveryOptions } from './app/recovery.worker.ts';
import { createRefunds } from './app/refunds.service.ts';
import { ordersRoutes } from './http/orders.routes.ts';
import { ordersMigrations } from './store/orders.migrations.ts';

export type { SagaOptions } from './app/checkout.saga.ts';
export type { CheckoutStep } from './domain/checkout-steps.ts';

/**
 * A run records progress at least once per step; a step's calls take at most the transport's
 * timeout × attempts (5 s × 3 by default) plus backoff, well inside a minute.
 */
const leaseMsDefault = 60_000;
const sagaAttemptsMaxDefault = 8;
const retryBaseMsDefault = 1_000;
/** Capped so a saga whose dependency came back is finished within minutes, not hours. */
const retryMaxMsDefault = 5 * 60_000;
const recoveryEveryMsDefault = 5_000;
const recoveryBatchMaxDefault = 20;

export interface OrdersModuleOptions {
  saga?: Partial<SagaOptions>;
  recovery?: Partial<Omit<RecoveryOptions, 'leaseMs'>>;
}

/** Orders with its options (tests shorten the lease and backoff, or stop the saga mid-way). */
export function createOrdersModule(opts: OrdersModuleOptions = {}): ServiceModule {
  return {
    name: 'orders',
    migrations: ordersMigrations,
    needs: ['catalog', 'loyalty', 'payments'],
    async init(ctx) {
      const clients = {
        catalog: catalogClient(ctx.services.to('catalog')),
        loyalty: loyaltyClient(ctx.services.to('loyalty')),
        payments: paymentsClient(ctx.services.to('payments')),
      };
      const sagaOptions: SagaOptions = {
        leaseMs: leaseMsDefault,
        attemptsMax: sagaAttemptsMaxDefault,
        retryBaseMs: retryBaseMsDefault,
        retryMaxMs: retryMaxMsDefault,
        ...opts.saga,
      };
      const base = { db: ctx.db, events: ctx.events, log: ctx.log, clients };
      const saga = createCheckoutSaga({ ...base, options: sagaOptions });
      const orders = createOrderService({
        ...base,
        saga,
        pointValueMinor: ctx.config.pointValueMinor,
        leaseMs: sagaOptions.leaseMs,
      });
      const refunds = createRefunds({ ...base, saga, leaseMs: sagaOptions.leaseMs });
      let worker: ReturnType<typeof startRecoveryWorker> | undefined;
      return {
        async routes(app) {
          await ordersRoutes(app, { db: ctx.db, idempotency: ctx.idempotency, orders, refunds });
          // Other services are callable once the platform is up: start recovering then, with a
          // first round at once for sagas a previous process left behind.
          app.addHook('onReady', async () => {
            worker = startRecoveryWorker(ctx.db, saga, ctx.log, {
              everyMs: recoveryEveryMsDefault,
              batchMax: recoveryBatchMaxDefault,
              ...opts.recovery,
              leaseMs: sagaOptions.leaseMs,
            });
            setTimeout(() => void worker?.round().catch(() => undefined), 0).unref();
          });
        },
        async close() {
          await worker?.stop();
        },
      };
    },
  };
}

/** Orders and the checkout saga (catalog reservation, loyalty points, card payment). */
export const ordersModule: ServiceModule = createOrdersModule();
