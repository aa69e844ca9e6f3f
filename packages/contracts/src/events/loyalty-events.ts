import { Type } from 'typebox';
import { defineEvent } from './define-event.ts';

const Points = Type.Integer({ minimum: 1 });
const base = {
  member_id: Type.String({ minLength: 1, maxLength: 64 }),
  transaction_id: Type.String({ format: 'uuid' }),
  points: Points,
  reference: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
};

export const pointsEarned = defineEvent('points_earned', 'loyalty', Type.Object(base));
/**
 * `kind` is the ledger transaction's (`redeem`, `claim`, ...). A drop claim (`kind: 'claim'`,
 * `reference`: the drop id) also says how far the drop has sold after it: `drop_sold` of
 * `drop_quantity` units (optional: older events lack them), which analytics turns into
 * sell-through.
 */
export const pointsRedeemed = defineEvent(
  'points_redeemed',
  'loyalty',
  Type.Object({
    ...base,
    kind: Type.String(),
    drop_quantity: Type.Optional(Type.Integer({ minimum: 1 })),
    drop_sold: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
);
export const holdCaptured = defineEvent(
  'hold_captured',
  'loyalty',
  Type.Object({ ...base, hold_id: Type.String({ format: 'uuid' }) }),
);
export const holdReleased = defineEvent(
  'hold_released',
  'loyalty',
  Type.Object({
    member_id: base.member_id,
    hold_id: Type.String({ format: 'uuid' }),
    points: Points,
    expired: Type.Boolean(),
  }),
);
export const transactionReversed = defineEvent(
  'transaction_reversed',
  'loyalty',
  Type.Object({ ...base, reverses: Type.String({ format: 'uuid' }) }),
);
export const pointsAdjusted = defineEvent(
  'points_adjusted',
  'loyalty',
  Type.Object({ ...base, signed_points: Type.Integer(), reason: Type.String() }),
);
export const dropSoldOut = defineEvent(
  'drop_sold_out',
  'loyalty',
  Type.Object({ drop_id: Type.String({ format: 'uuid' }), quantity: Type.Integer({ minimum: 1 }) }),
);

/** Published by identity when a member registers; loyalty opens the points account. */
export const memberRegistered = defineEvent(
  'member_registered',
  'identity',
  Type.Object({ member_id: Type.String({ format: 'uuid' }), role: Type.String() }),
);

export const pointsExpired = defineEvent('points_expired', 'loyalty', Type.Object(base));
export const tierChanged = defineEvent(
  'tier_changed',
  'loyalty',
  Type.Object({
    member_id: base.member_id,
    from: Type.String(),
    to: Type.String(),
    qualifying_points: Type.Integer({ minimum: 0 }),
  }),
);
