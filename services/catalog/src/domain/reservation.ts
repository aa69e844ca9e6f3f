/**
 * Stock reservations for checkout. A reservation holds units of each line until it is
 * committed (sold), released (given back) or expires; a committed one can be restocked (refund).
 *
 *   held --commit--> committed --restock--> restocked
 *   held --release--> released
 *   held --(expiry job)--> expired
 */
export const reservationLimits = {
  idLengthMax: 64,
  linesMax: 100,
  quantityMax: 1_000,
  ttlSMin: 10,
  ttlSMax: 86_400,
} as const;

export const reservationIdPattern = '^[A-Za-z0-9._:-]+$';

export type ReservationStatus = 'held' | 'committed' | 'released' | 'expired' | 'restocked';
export type ReservationAction = 'commit' | 'release' | 'restock' | 'expire';

/** Per line: how on-hand and reserved stock move when the action applies. */
export const stockEffect: Record<ReservationAction, { onHand: -1 | 0 | 1; reserved: -1 | 0 }> = {
  commit: { onHand: -1, reserved: -1 },
  release: { onHand: 0, reserved: -1 },
  expire: { onHand: 0, reserved: -1 },
  restock: { onHand: 1, reserved: 0 },
};

const target: Record<ReservationAction, ReservationStatus> = {
  commit: 'committed',
  release: 'released',
  expire: 'expired',
  restock: 'restocked',
};

export type TransitionDecision =
  | { kind: 'apply'; to: ReservationStatus }
  /** Already where the caller wants it (a retry or a compensation racing the expiry job). */
  | { kind: 'unchanged' }
  | { kind: 'refuse'; slug: string; detail: string };

/** What `action` does to a reservation in `status`. Pure: the store applies the decision. */
export function decideTransition(
  status: ReservationStatus,
  action: ReservationAction,
): TransitionDecision {
  switch (action) {
    case 'commit':
      if (status === 'held') return { kind: 'apply', to: target.commit };
      if (status === 'committed') return { kind: 'unchanged' };
      return refuseNotHeld(status, 'it can no longer be committed');
    case 'release':
    case 'expire':
      if (status === 'held') return { kind: 'apply', to: target[action] };
      if (status === 'released' || status === 'expired') return { kind: 'unchanged' };
      return refuseNotHeld(status, 'restock a committed reservation instead');
    case 'restock':
      if (status === 'committed') return { kind: 'apply', to: target.restock };
      if (status === 'restocked') return { kind: 'unchanged' };
      return {
        kind: 'refuse',
        slug: 'reservation-not-committed',
        detail: `The reservation is ${status}; only a committed reservation can be restocked`,
      };
  }
}

function refuseNotHeld(status: ReservationStatus, advice: string): TransitionDecision {
  return {
    kind: 'refuse',
    slug: 'reservation-not-held',
    detail: `The reservation is ${status}; ${advice}`,
  };
}

export interface ReservationLineInput {
  product_id: string;
  quantity: number;
}

/**
 * Lines in a fixed order (product id): every transaction locks product rows in this order, so
 * two concurrent reservations can wait on each other but never deadlock.
 */
export const inLockOrder = <T extends { product_id: string }>(lines: readonly T[]): T[] =>
  [...lines].sort((a, b) =>
    a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0,
  );

/** The same request again: same products and quantities, in any order. */
export function sameLines(
  a: readonly ReservationLineInput[],
  b: readonly ReservationLineInput[],
): boolean {
  if (a.length !== b.length) return false;
  const sa = inLockOrder(a);
  const sb = inLockOrder(b);
  return sa.every((l, i) => l.product_id === sb[i]!.product_id && l.quantity === sb[i]!.quantity);
}

/** The first product id that appears twice, or null. */
export function duplicateProduct(lines: readonly ReservationLineInput[]): string | null {
  const seen = new Set<string>();
  for (const l of lines) {
    if (seen.has(l.product_id)) return l.product_id;
    seen.add(l.product_id);
  }
  return null;
}
