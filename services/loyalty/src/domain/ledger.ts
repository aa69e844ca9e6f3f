/**
 * The double-entry ledger's rules. Pure: no I/O. Every transaction is a set of entries on
 * accounts whose amounts sum to zero; member balances can never go below zero or below what
 * is held.
 */
export const pointsPerOperationMax = 10_000_000;
export const referenceLengthMax = 200;
export const reasonLengthMax = 500;

/** Program accounts: the other side of every member entry. */
export const programAccounts = {
  /** Points issued to members: goes negative by what the program owes (its liability). */
  issued: 'program:issued',
  /** Points members spent on rewards. */
  redeemed: 'program:redeemed',
  /** Points that expired unused (breakage). */
  breakage: 'program:breakage',
  /** Manual corrections. */
  adjustments: 'program:adjustments',
} as const;
export type ProgramAccount = (typeof programAccounts)[keyof typeof programAccounts];

export const transactionKinds = [
  'earn',
  'redeem',
  'capture',
  'claim',
  'reversal',
  'adjustment',
  'expiry',
] as const;
export type TransactionKind = (typeof transactionKinds)[number];

export interface EntryLine {
  /** A member account id (the member's uuid) or a program account name. */
  account: string;
  /** Signed points: positive credits the account, negative debits it. */
  amount: number;
}

export class LedgerInvariantError extends Error {}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new LedgerInvariantError(message);
}

/** Validates a point amount for an operation: a positive safe integer within the cap. */
export function pointsProblem(points: number): string | undefined {
  if (!Number.isInteger(points)) return 'must be a whole number of points';
  if (points <= 0) return 'must be greater than zero';
  if (points > pointsPerOperationMax) return `must be at most ${pointsPerOperationMax}`;
  return undefined;
}

/** The entries of a transaction, checked: non-zero integer lines that sum to zero. */
export function balancedEntries(lines: readonly EntryLine[]): EntryLine[] {
  assert(lines.length >= 2, 'a transaction needs at least two entries');
  let sum = 0;
  for (const l of lines) {
    assert(
      Number.isSafeInteger(l.amount) && l.amount !== 0,
      `entry on ${l.account} must be a non-zero integer`,
    );
    sum += l.amount;
  }
  assert(sum === 0, `entries must sum to zero, got ${sum}`);
  return [...lines];
}

/** Member gains points from the program (earn) or loses them to it (redeem, expiry, ...). */
export function memberCredit(member: string, from: ProgramAccount, points: number): EntryLine[] {
  return balancedEntries([
    { account: member, amount: points },
    { account: from, amount: -points },
  ]);
}

export function memberDebit(member: string, to: ProgramAccount, points: number): EntryLine[] {
  return balancedEntries([
    { account: member, amount: -points },
    { account: to, amount: points },
  ]);
}

export interface Balance {
  balance: number;
  held: number;
}

export const available = (b: Balance): number => b.balance - b.held;

/** Balance after applying a delta; throws if the invariants would break. */
export function applyDelta(b: Balance, delta: { balance?: number; held?: number }): Balance {
  const next = { balance: b.balance + (delta.balance ?? 0), held: b.held + (delta.held ?? 0) };
  assert(next.balance >= 0, 'balance would go negative');
  assert(next.held >= 0, 'held would go negative');
  assert(next.held <= next.balance, 'held would exceed balance');
  return next;
}
