import type { Plan } from '../plan.ts';
import type { Refusal } from '../refusals.ts';

export interface DecideContext {
  now: Date;
  lotExpiryMonths: number;
  /** Ids for the lots that credits open (the app passes the kernel's uuidv7). */
  newId: () => string;
}

/** An accepted op (its writes and its result) or a refused one (nothing to write). */
export type Decision =
  { plan: Plan; statusCode: number; body: Record<string, unknown> } | { refusal: Refusal };

export const refused = (refusal: Refusal): Decision => ({ refusal });
