/**
 * Why the ledger refuses an op, as plain data. Pure: the app layer turns a refusal into the
 * kernel's problem response (app/ledger-refusals.ts), so the domain needs no HTTP or kernel
 * import and the titles stay the kernel's.
 */
export type Refusal =
  | { kind: 'conflict'; slug: string; detail: string; extensions?: Record<string, unknown> }
  | { kind: 'unprocessable'; slug: string; detail: string; extensions?: Record<string, unknown> }
  | { kind: 'not-found'; what: 'hold' | 'transaction' | 'drop' }
  | { kind: 'unknown-member'; memberId: string }
  | { kind: 'sold-out' };

export const conflictRefusal = (
  slug: string,
  detail: string,
  extensions?: Record<string, unknown>,
): Refusal => ({ kind: 'conflict', slug, detail, ...(extensions ? { extensions } : {}) });

export const unprocessableRefusal = (
  slug: string,
  detail: string,
  extensions?: Record<string, unknown>,
): Refusal => ({ kind: 'unprocessable', slug, detail, ...(extensions ? { extensions } : {}) });

export const notFoundRefusal = (what: 'hold' | 'transaction' | 'drop'): Refusal => ({
  kind: 'not-found',
  what,
});

export const insufficientPoints = (available: number, needed: number): Refusal =>
  unprocessableRefusal(
    'insufficient-points',
    `Only ${available} points are available; ${needed} are needed`,
    { available, needed },
  );

/**
 * Thrown from deep inside a decision (a member with no account), where returning would thread
 * the refusal through every helper; the op is refused like any other, the batch goes on.
 */
export class RefusedError extends Error {
  readonly refusal: Refusal;

  constructor(refusal: Refusal) {
    super(`refused: ${refusal.kind}`);
    this.refusal = refusal;
  }
}
