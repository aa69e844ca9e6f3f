import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Attempt, Db, Idempotency, Outcome } from '@redemption/kernel';
import { newId, ProblemError } from '@redemption/kernel';
import { QueueFullError } from '../app/batcher.ts';
import { queueForLater } from '../app/ledger.queries.ts';
import type { Ledger, OpResult } from '../app/ledger.service.ts';
import type { LedgerOp } from '../domain/ledger-ops.ts';

const retryAfterS = 1;

/**
 * A batched ledger op behind the kernel's Idempotency-Key wrapper (key required). The key is
 * claimed, and its answer stored or the key freed, in the batch's own transaction
 * (`claimInEffect`): the request makes no database round trip of its own, and a full queue is
 * a 429 at once (or a 202 with Prefer: respond-async), never a wait for a connection.
 */
export async function submitOp(
  db: Db,
  ledger: Ledger,
  idempotency: Idempotency,
  req: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  op: LedgerOp,
): Promise<unknown> {
  const opts = { scope: `loyalty.${scope}`, required: true, claimInEffect: true };
  return idempotency.respond(req, reply, opts, async (attempt) => {
    let result: OpResult;
    try {
      result = await ledger.submit({ op, attempt });
    } catch (err) {
      if (err instanceof QueueFullError && prefersAsync(req))
        return acceptAsync(db, req, reply, op, attempt);
      if (err instanceof QueueFullError) throw ledgerBusy();
      throw err;
    }
    // Accepted, or an earlier request's answer replayed (the attempt says which).
    if (result.ok) return { statusCode: result.statusCode, body: result.body };
    // Refused: the batch already stored the answer (a deterministic 4xx) or freed the key; the
    // attempt is settled, so the wrapper touches the key no more.
    throw result.problem;
  });
}

const ledgerBusy = (): ProblemError =>
  new ProblemError(
    429,
    'ledger-busy',
    'Too many requests',
    'The ledger is at capacity; retry shortly',
    { retry_after_s: retryAfterS },
    { 'retry-after': String(retryAfterS) },
  );

const prefersAsync = (req: FastifyRequest): boolean =>
  /(^|[,\s])respond-async\b/.test(String(req.headers['prefer'] ?? ''));

/**
 * Burst absorption: the op waits in a table; the client gets 202 and where to look (or, when
 * its key already has an answer, that answer).
 */
async function acceptAsync(
  db: Db,
  req: FastifyRequest,
  reply: FastifyReply,
  op: LedgerOp,
  attempt: Attempt,
): Promise<Outcome> {
  const id = newId();
  const statusUrl = `/api/loyalty/operations/${id}`;
  const outcome = { statusCode: 202, body: { id, status: 'pending', status_url: statusUrl } };
  const answer = await queueForLater(db, { id, ownerId: req.principal!.id, op, attempt }, outcome);
  if (answer === outcome)
    reply.header('location', statusUrl).header('preference-applied', 'respond-async');
  return answer;
}
