import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Idempotency } from '@redemption/kernel';
import { ProblemError } from '@redemption/kernel';
import { QueueFullError } from '../app/batcher.ts';
import type { LedgerOp } from '../app/ledger-ops.ts';
import type { Ledger } from '../app/ledger.service.ts';

const retryAfterS = 1;

/** Idempotency-Key (required) around a batched ledger op; a full queue is a 429, never a timeout. */
export async function submitOp(
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
