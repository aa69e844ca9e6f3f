import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Attempt, Db, Idempotency } from '@redemption/kernel';
import { newId, ProblemError } from '@redemption/kernel';
import { QueueFullError } from '../app/batcher.ts';
import { queueForLater } from '../app/ledger.queries.ts';
import type { Ledger } from '../app/ledger.service.ts';
import type { LedgerOp } from '../domain/ledger-ops.ts';

const retryAfterS = 1;

/** Idempotency-Key (required) around a batched ledger op; a full queue is a 429, never a timeout. */
export async function submitOp(
  db: Db,
  ledger: Ledger,
  idempotency: Idempotency,
  req: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  op: LedgerOp,
): Promise<unknown> {
  const begun = await idempotency.begin(req, reply, { scope: `loyalty.${scope}`, required: true });
  if (begun.replayed) return begun.body;
  let result;
  try {
    result = await ledger.submit({ op, attempt: begun.attempt });
  } catch (err) {
    if (err instanceof QueueFullError && prefersAsync(req))
      return acceptAsync(db, req, reply, op, begun.attempt);
    await begun.attempt.fail(err);
    if (err instanceof QueueFullError) {
      throw new ProblemError(
        429,
        'ledger-busy',
        'Too many requests',
        'The ledger is at capacity; retry shortly',
        { retry_after_s: retryAfterS },
        { 'retry-after': String(retryAfterS) },
      );
    }
    throw err;
  }
  if (!result.ok) throw result.problem;
  return begun.attempt.send({ statusCode: result.statusCode, body: result.body });
}

const prefersAsync = (req: FastifyRequest): boolean =>
  /(^|[,\s])respond-async\b/.test(String(req.headers['prefer'] ?? ''));

/** Burst absorption: the op waits in a table; the client gets 202 and where to look. */
async function acceptAsync(
  db: Db,
  req: FastifyRequest,
  reply: FastifyReply,
  op: LedgerOp,
  attempt: Attempt,
): Promise<unknown> {
  const id = newId();
  const statusUrl = `/api/loyalty/operations/${id}`;
  const outcome = { statusCode: 202, body: { id, status: 'pending', status_url: statusUrl } };
  await queueForLater(db, { id, ownerId: req.principal!.id, op, attempt }, outcome);
  reply.header('location', statusUrl).header('preference-applied', 'respond-async');
  return attempt.send(outcome);
}
