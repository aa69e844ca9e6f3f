/**
 * One ledger command. Ids that the result refers to are chosen before submission. An earn or
 * reverse whose id already names a transaction is refused as `already-applied`, so a caller
 * that derives the id from a business key (order earning) can resubmit safely.
 */
export type LedgerOp =
  | {
      kind: 'earn';
      id: string;
      memberId: string;
      points: number;
      reason: string;
      reference: string | null;
      actorId: string;
    }
  | {
      kind: 'redeem';
      id: string;
      memberId: string;
      points: number;
      reference: string | null;
      actorId: string;
    }
  | {
      kind: 'hold';
      id: string;
      memberId: string;
      points: number;
      reference: string | null;
      actorId: string;
      expiresAt: Date;
    }
  | { kind: 'capture'; id: string; holdId: string; points: number | undefined; actorId: string }
  | { kind: 'release'; holdId: string; actorId: string; expired?: boolean }
  | {
      kind: 'reverse';
      id: string;
      transactionId: string;
      points: number | undefined;
      reason: string;
      actorId: string;
    }
  | {
      kind: 'adjust';
      id: string;
      memberId: string;
      points: number;
      reason: string;
      actorId: string;
    }
  | { kind: 'claim'; id: string; dropId: string; memberId: string; actorId: string }
  | { kind: 'expire'; id: string; memberId: string; lotId: string; actorId: string }
  /** Recomputes the tier from the trailing 12 months (downgrade when qualifying points age out). */
  | { kind: 'retier'; memberId: string; actorId: string };

/** What a member may see of an op: who it is about (for the 404-not-403 rule). */
export const memberOf = (op: LedgerOp): string | undefined =>
  'memberId' in op ? op.memberId : undefined;
