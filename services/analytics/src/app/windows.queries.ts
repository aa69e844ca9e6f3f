import type { Db } from '@redemption/kernel';
import { engineRepository } from '../store/engine.repository.ts';
import { resultsRepository, type WindowPageQuery } from '../store/results.repository.ts';

/** What the routes may read (routes never reach the store themselves). */
export function windowsQueries(db: Db) {
  return {
    page: (p: WindowPageQuery) => resultsRepository.page(db, p),
    engine: () => engineRepository.stats(db),
  };
}
export type WindowsQueries = ReturnType<typeof windowsQueries>;
