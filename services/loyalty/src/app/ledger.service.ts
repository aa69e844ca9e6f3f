import type { Attempt, Db, Publisher, Queryable } from '@redemption/kernel';
import { completeAttempts, newId, ProblemError } from '@redemption/kernel';
import type { BatchState } from '../domain/batch-state.ts';
import type { LedgerOp } from '../domain/ledger-ops.ts';
import { decide, type DecideContext } from '../domain/ops/decide.ts';
import type { Plan } from '../domain/plan.ts';
import { RefusedError } from '../domain/refusals.ts';
import { batchStateRepository } from '../store/batch-state.repository.ts';
import { batchWritesRepository } from '../store/batch-writes.repository.ts';
import { createBatcher, type Batcher } from './batcher.ts';
import { refusalProblem } from './ledger-refusals.ts';

export type OpResult =
  | { ok: true; statusCode: number; body: Record<string, unknown> }
  | { ok: false; problem: ProblemError };

/** An op decided: accepted with its plan, or refused with the problem its caller gets. */
type Decision =
  { plan: Plan; statusCode: number; body: Record<string, unknown> } | { problem: ProblemError };

export interface Submission {
  op: LedgerOp;
  /** The caller's Idempotency-Key attempt; completed in the batch's transaction. */
  attempt: Attempt;
}

export interface LedgerLimits {
  batchMax: number;
  batchWaitMs: number;
  queueDepthMax: number;
  lotExpiryMonths: number;
  /** Batches applied at once per process (LEDGER_BATCHES_IN_FLIGHT_MAX). */
  batchesInFlightMax?: number;
}

const batchesInFlightDefault = 2;

export interface LedgerMetrics {
  onBatch(size: number): void;
  onResult(kind: string, outcome: string): void;
}

/**
 * The ledger engine: submissions are batched; each batch locks what it touches in a fixed
 * order, decides every op against the locked state (each accepted or refused on its own),
 * writes all accepted ops and their idempotency records, and commits once.
 */
export function createLedger(
  db: Db,
  events: Publisher,
  limits: LedgerLimits,
  metrics?: LedgerMetrics,
) {
  async function apply(items: readonly Submission[]): Promise<OpResult[]> {
    const decisions = await db.tx(async (q) => {
      const state = await batchStateRepository.lockFor(
        q,
        items.map((i) => i.op),
      );
      const ctx = { now: new Date(), lotExpiryMonths: limits.lotExpiryMonths, newId };
      const ds: Decision[] = items.map((i) => decideSafely(i.op, state, ctx));
      await writePlans(
        q,
        ds.flatMap((d) => ('plan' in d ? [d.plan] : [])),
        events,
      );
      // Accepted ops and deterministic refusals settle their keys in this transaction, with one
      // statement; refusals that must free their key (e.g. 409) do it after the commit.
      await completeAttempts(
        q,
        ds.flatMap((d, n) => {
          const attempt = items[n]!.attempt;
          if ('plan' in d)
            return [{ attempt, outcome: { statusCode: d.statusCode, body: d.body } }];
          const stored = attempt.outcomeOf?.(d.problem);
          return stored ? [{ attempt, outcome: stored }] : [];
        }),
      );
      return ds;
    });
    const results: OpResult[] = [];
    for (const [n, d] of decisions.entries()) {
      const kind = items[n]!.op.kind;
      if ('plan' in d) {
        results.push({ ok: true, statusCode: d.statusCode, body: d.body });
        metrics?.onResult(kind, 'accepted');
      } else {
        // Refusals wrote nothing; a stored one is settled, any other frees its key now.
        const attempt = items[n]!.attempt;
        if (!attempt.outcomeOf?.(d.problem)) await attempt.fail(d.problem);
        results.push({ ok: false, problem: d.problem });
        metrics?.onResult(kind, d.problem.slug);
      }
    }
    return results;
  }

  const batcher: Batcher<Submission, OpResult> = createBatcher({
    batchMax: limits.batchMax,
    batchWaitMs: limits.batchWaitMs,
    queueDepthMax: limits.queueDepthMax,
    inFlightMax: limits.batchesInFlightMax ?? batchesInFlightDefault,
    apply,
    ...(metrics ? { onBatch: metrics.onBatch } : {}),
  });

  return {
    /** Resolves with the op's own outcome; rejects with QueueFullError when the queue is full. */
    submit: (s: Submission): Promise<OpResult> => batcher.submit(s),
    depth: () => batcher.depth(),
    drain: () => batcher.drain(),
  };
}

export type Ledger = ReturnType<typeof createLedger>;

/** The domain's decision, with a refusal (returned or thrown) turned into its problem. */
function decideSafely(op: LedgerOp, state: BatchState, ctx: DecideContext): Decision {
  try {
    const d = decide(op, state, ctx);
    return 'refusal' in d ? { problem: refusalProblem(d.refusal) } : d;
  } catch (err) {
    if (err instanceof RefusedError) return { problem: refusalProblem(err.refusal) };
    throw err;
  }
}

/** The batch's rows, then its events (the outbox), in the batch's transaction. */
async function writePlans(q: Queryable, plans: readonly Plan[], events: Publisher): Promise<void> {
  await batchWritesRepository.write(q, plans);
  await events.publishMany(
    q,
    plans.flatMap((p) =>
      p.events.map((e) => ({ def: e.def, input: { subject: e.subject, data: e.data } })),
    ),
  );
}
