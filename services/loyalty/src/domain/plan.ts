import type { EventDefinition } from '@redemption/contracts';
import type { EntryLine } from './ledger.ts';
import type { LotTake } from './lots.ts';

/** The writes one accepted op produces; the batch writer applies them. */
export interface Plan {
  transaction?: {
    id: string;
    kind: string;
    memberId: string;
    points: number;
    direction: 1 | -1;
    contraAccount: string;
    reference: string | null;
    reason: string | null;
    reverses: string | null;
    actorId: string;
  };
  entries: EntryLine[];
  /** Changes to a member's held points (holds); balances come from the entries. */
  heldDeltas: Array<{ memberId: string; delta: number }>;
  lotTakes: LotTake[];
  newLot?: { id: string; memberId: string; points: number; expiresAt: Date; qualifying: boolean };
  hold?: {
    id: string;
    memberId: string;
    points: number;
    reference: string | null;
    expiresAt: Date;
  };
  holdUpdate?: {
    id: string;
    status: string;
    capturedPoints: number;
    captureTransactionId: string | null;
  };
  reversedPoints?: { transactionId: string; points: number };
  claim?: { id: string; dropId: string; memberId: string };
  dropSold?: { dropId: string; delta: number };
  tier?: { memberId: string; tier: string };
  events: Array<{ def: EventDefinition; subject: string; data: Record<string, unknown> }>;
}

export const emptyPlan = (): Plan => ({ entries: [], heldDeltas: [], lotTakes: [], events: [] });
