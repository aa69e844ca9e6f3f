import { conflict, notFound, ProblemError, unprocessable } from '@redemption/kernel';
import { describe, expect, it } from 'vitest';
import { conflictRefusal, insufficientPoints, notFoundRefusal } from '../domain/refusals.ts';
import { refusalProblem } from './ledger-refusals.ts';

/** What a client sees of a problem: its body (with the message) and its headers. */
const seen = (p: ProblemError) => ({ ...p.toBody(), message: p.message, headers: p.headers });

describe('ledger refusals as problems', () => {
  it('answers each refusal exactly as the kernel helpers did when the rules built problems', () => {
    expect(seen(refusalProblem(insufficientPoints(10, 11)))).toEqual(
      seen(
        unprocessable('insufficient-points', 'Only 10 points are available; 11 are needed', {
          available: 10,
          needed: 11,
        }),
      ),
    );
    expect(
      seen(refusalProblem(conflictRefusal('tier-unchanged', 'The member is already gold'))),
    ).toEqual(seen(conflict('tier-unchanged', 'The member is already gold')));
    expect(seen(refusalProblem(notFoundRefusal('hold')))).toEqual(seen(notFound('hold')));
    expect(seen(refusalProblem({ kind: 'sold-out' }))).toEqual({
      type: '/problems/sold-out',
      title: 'Sold out',
      status: 410,
      detail: 'This drop is sold out',
      message: 'This drop is sold out',
      headers: {},
    });
    expect(seen(refusalProblem({ kind: 'unknown-member', memberId: 'm1' }))).toMatchObject({
      type: '/problems/unknown-member',
      title: 'Unknown member',
      status: 404,
      detail: 'No points account for member m1',
    });
  });
});
