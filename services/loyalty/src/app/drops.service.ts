import type { Queryable } from '@redemption/kernel';
import type { Drop } from '../domain/drops.ts';
import { dropsRepository } from '../store/drops.repository.ts';

/**
 * Drops outside the ledger batch: creating and reading them. Claims go through the ledger
 * (a `claim` op), which locks the drop row and pays the price in the same transaction.
 */
export const dropsService = {
  create: (q: Queryable, d: Omit<Drop, 'sold'>): Promise<Drop> => dropsRepository.insert(q, d),
  /** Newest opening first; `activeOnly`: drops that have not closed yet. */
  list: (q: Queryable, opts: { activeOnly: boolean; limit: number }): Promise<Drop[]> =>
    dropsRepository.list(q, opts),
  find: (q: Queryable, id: string): Promise<Drop | undefined> => dropsRepository.find(q, id),
  /** The members who won a unit (at most `limit`): who may still replay a winning claim. */
  winners: (q: Queryable, dropId: string, limit: number): Promise<string[]> =>
    dropsRepository.claimants(q, dropId, limit),
};
