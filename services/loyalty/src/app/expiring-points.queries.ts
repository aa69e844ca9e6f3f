import type { Queryable } from '@redemption/kernel';
import { expiringPoints, type ExpiringPointsRow } from '../store/expiring-points.queries.ts';

/** Routes read the store through here (http/ never imports store/). */
export const readExpiringPoints = (
  q: Queryable,
  p: { from: Date; to: Date; after: string | null; limit: number },
): Promise<ExpiringPointsRow[]> => expiringPoints(q, p);
