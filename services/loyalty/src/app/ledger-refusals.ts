import { conflict, notFound, ProblemError, unprocessable } from '@redemption/kernel';
import type { Refusal } from '../domain/refusals.ts';

/** The problem response (and stored idempotent outcome) for a refused ledger op. */
export function refusalProblem(r: Refusal): ProblemError {
  switch (r.kind) {
    case 'conflict':
      return conflict(r.slug, r.detail, r.extensions);
    case 'unprocessable':
      return unprocessable(r.slug, r.detail, r.extensions);
    case 'not-found':
      return notFound(r.what);
    case 'unknown-member':
      return new ProblemError(
        404,
        'unknown-member',
        'Unknown member',
        `No points account for member ${r.memberId}`,
      );
    case 'sold-out':
      return new ProblemError(410, 'sold-out', 'Sold out', 'This drop is sold out');
  }
}
