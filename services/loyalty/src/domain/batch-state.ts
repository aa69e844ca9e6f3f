/**
 * What one ledger batch decides against: the rows its ops touch, read and locked by the store
 * (store/batch-state.repository.ts) before any op is decided. Deciding an op updates this state,
 * so later ops of the same batch see the earlier ones. Pure data.
 */
import type { Drop } from './drops.ts';
import type { Hold } from './holds.ts';
import type { Balance } from './ledger.ts';
import type { Lot } from './lots.ts';

/** A committed transaction that an op of the batch reverses. */
export interface LockedTransaction {
  id: string;
  kind: string;
  memberId: string;
  points: number;
  reversedPoints: number;
  direction: 1 | -1;
  contraAccount: string;
}

export interface BatchState {
  balances: Map<string, Balance & { tier: string }>;
  lots: Map<string, Lot[]>;
  holds: Map<string, Hold>;
  drops: Map<string, Drop>;
  claims: Map<string, number>; // `${dropId}:${memberId}` → claims so far
  txs: Map<string, LockedTransaction>;
  /** Qualifying points over the trailing 12 months, for members who earn or retier in this batch. */
  qualifying: Map<string, number>;
  /** Ids of this batch's earn and reverse ops that already name a committed transaction. */
  applied: Set<string>;
}

export const emptyBatchState = (): BatchState => ({
  balances: new Map(),
  lots: new Map(),
  holds: new Map(),
  drops: new Map(),
  claims: new Map(),
  txs: new Map(),
  qualifying: new Map(),
  applied: new Set(),
});

/** The key of `claims`: one member's claims on one drop. */
export const claimKey = (dropId: string, memberId: string): string => `${dropId}:${memberId}`;
