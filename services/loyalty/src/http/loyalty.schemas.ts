import { Type } from 'typebox';
import { pointsPerOperationMax, reasonLengthMax, referenceLengthMax } from '../domain/ledger.ts';

export const Points = Type.Integer({
  minimum: 1,
  maximum: pointsPerOperationMax,
  description: 'whole points',
  examples: [500],
});
const SignedPoints = Type.Integer({
  minimum: -pointsPerOperationMax,
  maximum: pointsPerOperationMax,
  not: { const: 0 },
  examples: [-250],
});
const Reference = Type.String({
  minLength: 1,
  maxLength: referenceLengthMax,
  examples: ['stay-2026-11-001'],
});
const Reason = Type.String({
  minLength: 1,
  maxLength: reasonLengthMax,
  examples: ['stay completed'],
});
export const Uuid = Type.String({ format: 'uuid' });

export const EarnBody = Type.Object(
  { member_id: Uuid, points: Points, reason: Reason, reference: Type.Optional(Reference) },
  { additionalProperties: false },
);
export const RedemptionBody = Type.Object(
  { points: Points, reference: Type.Optional(Reference), member_id: Type.Optional(Uuid) },
  { additionalProperties: false },
);
export const HoldBody = Type.Object(
  { member_id: Type.Optional(Uuid), points: Points, reference: Type.Optional(Reference) },
  { additionalProperties: false },
);
export const CaptureBody = Type.Object(
  { points: Type.Optional(Points) },
  { additionalProperties: false },
);
export const EmptyBody = Type.Object({}, { additionalProperties: false });
export const ReverseBody = Type.Object(
  { points: Type.Optional(Points), reason: Reason },
  { additionalProperties: false },
);
export const AdjustmentBody = Type.Object(
  { member_id: Uuid, points: SignedPoints, reason: Reason },
  { additionalProperties: false },
);
export const DropBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ['Overwater villa, 2 nights'] }),
    points_price: Points,
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000, examples: [300] }),
    per_member_limit: Type.Integer({ minimum: 1, maximum: 100, examples: [1] }),
    opens_at: Type.String({ format: 'date-time' }),
    closes_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const MemberParams = Type.Object({ memberId: Uuid });
export const IdParams = Type.Object({ id: Uuid });
export const HistoryQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

export const AccountView = Type.Object({
  member_id: Type.String(),
  balance: Type.Integer(),
  held: Type.Integer(),
  available: Type.Integer(),
  tier: Type.String(),
  expiring: Type.Array(
    Type.Object({ points: Type.Integer(), expires_at: Type.String({ format: 'date-time' }) }),
  ),
});

export const idempotencyHeader = Type.Object({
  'idempotency-key': Type.String({
    minLength: 1,
    maxLength: 255,
    description: 'client-chosen id; a retry with the same key never applies twice',
  }),
});
