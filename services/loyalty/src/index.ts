import { memberRegistered } from '@redemption/contracts';
import type { ServiceModule } from '@redemption/kernel';
import { asyncOperationsJob } from './app/async-worker.ts';
import { expiryJob } from './app/expiry.job.ts';
import { createLedger } from './app/ledger.service.ts';
import { createLedgerMetrics } from './app/ledger.metrics.ts';
import { verificationJob } from './app/ledger-verification.job.ts';
import { registerVerificationMetrics } from './app/ledger-verification.metrics.ts';
import { registerLiabilityMetrics } from './app/liability.metrics.ts';
import { orderEarningsSubscription } from './app/order-earnings.consumer.ts';
import { orderEarningsJob } from './app/order-earnings.worker.ts';
import { dropsRoutes } from './http/drops.routes.ts';
import { expiringPointsRoutes } from './http/expiring-points.routes.ts';
import { registerLoyaltyRateLimits } from './http/rate-limit.hook.ts';
import { ledgerRoutes } from './http/ledger.routes.ts';
import { reconciliationRoutes } from './http/reconciliation.routes.ts';
import { loyaltyMigrations } from './store/loyalty.migrations.ts';
import { loyaltyConfig } from './loyalty.config.ts';

export { loyaltyConfig } from './loyalty.config.ts';

const expirySweepEveryMs = 30_000;
const asyncRoundEveryMs = 100;
/** Earned points show within about this long of the order_paid event being consumed. */
const orderEarningsRoundEveryMs = 250;
/**
 * Reconciliation (decision 007): each pod looks this often whether a verification is due; one
 * is due this long after the last one anywhere (incremental, cheap), and a full one this long
 * after the last full one (edits to rows already verified are only seen by a full one).
 */
const verificationTickMs = 60_000;
const verificationEveryMs = 5 * 60_000;
const fullVerificationEveryMs = 24 * 3_600_000;

/** Reconciliation, for the `redemption ledger verify` command and the correctness harness. */
export {
  resultDetail,
  VerificationBusyError,
  verifyLedger,
  type CheckResult,
  type VerificationResult,
  type VerifyOptions,
} from './app/ledger-verification.ts';
export { ledgerInvariants, type LedgerInvariant } from './store/ledger-invariants.ts';

/** Loyalty: the points ledger (double-entry), holds, reversals, expiry, tiers, flash-sale drops. */
export const loyaltyModule: ServiceModule<typeof loyaltyConfig> = {
  name: 'loyalty',
  migrations: loyaltyMigrations,
  config: loyaltyConfig,
  async init(ctx) {
    const { config, db } = ctx;
    let depth = (): number => 0;
    const metrics = createLedgerMetrics(ctx.metrics, () => depth());
    const ledger = createLedger(
      db,
      ctx.events,
      {
        batchMax: config.ledgerBatchMax,
        batchWaitMs: config.ledgerBatchWaitMs,
        queueDepthMax: config.ledgerQueueDepthMax,
        lotExpiryMonths: config.pointsExpiryMonths,
      },
      metrics.sink,
    );
    depth = ledger.depth;
    registerVerificationMetrics(ctx.metrics, db, ctx.log);
    registerLiabilityMetrics(ctx.metrics, db, ctx.log);
    return {
      async routes(app) {
        registerLoyaltyRateLimits(
          app,
          ctx.rateLimiter,
          {
            perMemberPerS: config.loyaltyRatePerMemberPerS,
            perIpPerS: config.loyaltyRatePerIpPerS,
          },
          ctx.log,
        );
        await ledgerRoutes(app, {
          db,
          ledger,
          idempotency: ctx.idempotency,
          holdTtlS: config.holdTtlS,
        });
        await dropsRoutes(app, {
          db,
          ledger,
          idempotency: ctx.idempotency,
          dropRemaining: metrics.dropRemaining,
        });
        await reconciliationRoutes(app, { db });
        await expiringPointsRoutes(app, { db });
      },
      subscriptions: [
        {
          // Every registered member gets a points account (idempotent: the inbox and ON CONFLICT).
          group: 'loyalty.accounts',
          topics: [memberRegistered.topic],
          definitions: [memberRegistered],
          handler: async (event, q) => {
            if (event.type !== memberRegistered.type) return;
            const { member_id } = event.data as { member_id: string };
            await q.query(
              "INSERT INTO loyalty.accounts (id, kind) VALUES ($1, 'member') ON CONFLICT (id) DO NOTHING",
              [member_id],
            );
          },
        },
        // Points for paid orders: pending until the return window closes, then earned (decision 006).
        orderEarningsSubscription(
          {
            earnPointsPerUnit: config.earnPointsPerUnit,
            returnWindowDays: config.earnReturnWindowDays,
          },
          ctx.log,
        ),
      ],
      jobs: [
        verificationJob(
          db,
          ctx.log,
          { everyMs: verificationEveryMs, fullEveryMs: fullVerificationEveryMs },
          verificationTickMs,
        ),
        expiryJob(db, ledger, ctx.log, expirySweepEveryMs),
        orderEarningsJob(db, ledger, ctx.log, orderEarningsRoundEveryMs),
        asyncOperationsJob(db, ledger, ctx.log, {
          everyMs: asyncRoundEveryMs,
          queueDepthMax: config.ledgerQueueDepthMax,
        }),
      ],
      // The kernel has stopped the jobs by now: nothing submits while the ledger drains.
      async close() {
        await ledger.drain();
      },
    };
  },
};
