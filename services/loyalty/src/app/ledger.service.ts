import type {
  Attempt,
  ClaimResult,
  Db,
  Outcome,
  Publisher,
  Queryable,
  SpanContext,
} from '@redemption/kernel';
import {
  activeSpanContext,
  claimAttempts,
  completeAttempts,
  DatabaseBusyError,
  freeAttempts,
  newId,
  ProblemError,
  withBatchSpan,
} from '@redemption/kernel';
import { emptyBatchState, type BatchState } from '../domain/batch-state.ts';
import type { LedgerOp } from '../domain/ledger-ops.ts';
import { decide, type DecideContext } from '../domain/ops/decide.ts';
import type { Plan } from '../domain/plan.ts';
import { RefusedError } from '../domain/refusals.ts';
import { batchStateRepository } from '../store/batch-state.repository.ts';
import { batchWritesRepository } from '../store/batch-writes.repository.ts';
import { createBatcher, type Batcher } from './batcher.ts';
import { refusalProblem } from './ledger-refusals.ts';

export type OpResult =
  /** Accepted, or (replayed) the stored answer of an earlier request with the same key. */
  | { ok: true; statusCode: number; body: Record<string, unknown>; replayed?: boolean }
  | { ok: false; problem: ProblemError };

/**
 * An op decided: accepted with its plan, or refused with the problem its caller gets; or not
 * decided at all because its Idempotency-Key already has an answer or is another request's.
 */
type Decision =
  | { plan: Plan; statusCode: number; body: Record<string, unknown> }
  | { problem: ProblemError }
  | { keyTaken: Exclude<ClaimResult, { claimed: true }> };

export interface Submission {
  op: LedgerOp;
  /**
   * The caller's Idempotency-Key attempt: claimed (when made with `claimInEffect`), completed
   * or freed in the batch's transaction.
   */
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
 * The ledger engine: submissions are batched; each batch claims its ops' Idempotency-Keys,
 * locks what the ops touch in a fixed order, decides every op against the locked state (each
 * accepted or refused on its own), writes all accepted ops and every key's answer, and commits
 * once: a request costs a share of one commit, and no round trip of its own.
 */
export function createLedger(
  db: Db,
  events: Publisher,
  limits: LedgerLimits,
  metrics?: LedgerMetrics,
) {
  /** Each submission's request span (tracing on): the batch's span links to them. */
  const requestSpans = new WeakMap<Submission, SpanContext>();

  async function apply(items: readonly Submission[]): Promise<OpResult[]> {
    const links = items.map((i) => requestSpans.get(i));
    const attributes = { 'ledger.batch.size': items.length };
    return withBatchSpan('ledger batch', links, attributes, () => applyBatch(items));
  }

  async function applyBatch(items: readonly Submission[]): Promise<OpResult[]> {
    const decisions = await db.tx(async (q) => {
      const claims = await claimAttempts(
        q,
        items.map((i) => i.attempt),
      );
      const live = items.flatMap((i, n) => (claims[n]!.claimed ? [i.op] : []));
      const state = live.length ? await batchStateRepository.lockFor(q, live) : emptyBatchState();
      const ctx = { now: new Date(), lotExpiryMonths: limits.lotExpiryMonths, newId };
      const ds: Decision[] = items.map((i, n) => {
        const claim = claims[n]!;
        return claim.claimed ? decideSafely(i.op, state, ctx) : { keyTaken: claim };
      });
      await writePlans(
        q,
        ds.flatMap((d) => ('plan' in d ? [d.plan] : [])),
        events,
      );
      await settleKeys(q, items, ds);
      return ds;
    });
    const results: OpResult[] = [];
    for (const [n, d] of decisions.entries()) {
      const { op, attempt } = items[n]!;
      const result = resultOf(d);
      // Attempts the kernel does not know (the ledger's own recorders) learn of a refusal here.
      if (!result.ok && !attempt.settled) await attempt.fail(result.problem);
      metrics?.onResult(op.kind, outcomeLabel(d));
      results.push(result);
    }
    return results;
  }

  const batcher: Batcher<Submission, OpResult> = createBatcher({
    batchMax: limits.batchMax,
    batchWaitMs: limits.batchWaitMs,
    queueDepthMax: limits.queueDepthMax,
    inFlightMax: limits.batchesInFlightMax ?? batchesInFlightDefault,
    apply,
    retryAlone: (err) => !(err instanceof DatabaseBusyError),
    ...(metrics ? { onBatch: metrics.onBatch } : {}),
  });

  return {
    /** Resolves with the op's own outcome; rejects with QueueFullError when the queue is full. */
    submit: (s: Submission): Promise<OpResult> => {
      const span = activeSpanContext();
      if (span) requestSpans.set(s, span);
      return batcher.submit(s);
    },
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

/**
 * Every key's answer, in the batch's transaction: accepted ops and deterministic refusals are
 * stored (one UPDATE); other refusals free their key (one statement), so a retry runs again.
 */
async function settleKeys(
  q: Queryable,
  items: readonly Submission[],
  ds: readonly Decision[],
): Promise<void> {
  const stored: Array<{ attempt: Attempt; outcome: Outcome }> = [];
  const freed: Attempt[] = [];
  ds.forEach((d, n) => {
    const attempt = items[n]!.attempt;
    if ('plan' in d) stored.push({ attempt, outcome: { statusCode: d.statusCode, body: d.body } });
    else if ('problem' in d) {
      const outcome = attempt.outcomeOf?.(d.problem);
      if (outcome) stored.push({ attempt, outcome });
      else freed.push(attempt);
    }
  });
  await completeAttempts(q, stored);
  await freeAttempts(q, freed);
}

function resultOf(d: Decision): OpResult {
  if ('plan' in d) return { ok: true, statusCode: d.statusCode, body: d.body };
  if ('problem' in d) return { ok: false, problem: d.problem };
  const taken = d.keyTaken;
  if ('problem' in taken) return { ok: false, problem: taken.problem };
  const { statusCode, body } = taken.outcome;
  return { ok: true, statusCode, body: body as Record<string, unknown>, replayed: true };
}

const outcomeLabel = (d: Decision): string => {
  if ('plan' in d) return 'accepted';
  if ('problem' in d) return d.problem.slug;
  return 'problem' in d.keyTaken ? d.keyTaken.problem.slug : 'replayed';
};

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
