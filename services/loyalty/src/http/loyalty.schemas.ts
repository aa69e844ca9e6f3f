import {
  DateTime,
  Nullable,
  problemResponsesWith,
  Uuid,
  type ProblemDoc,
  type ProblemStatus,
} from '@redemption/kernel';
import type { FastifySchema } from 'fastify';
import { Type, type TSchema } from 'typebox';
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

/** Example ids and times, shared by the request and response examples so they tell one story. */
const ex = {
  member: '0196a1f0-3c4a-7b12-8d9e-0a1b2c3d4e5f',
  transaction: '0196a1f0-5e6f-7a01-9b2c-3d4e5f607182',
  reversed: '0196a1f0-4d5e-7f00-8a1b-2c3d4e5f6071',
  hold: '0196a1f0-7081-7c23-a4b5-c6d7e8f90a1b',
  drop: '0196a1f0-8192-7d34-b5c6-d7e8f90a1b2c',
  operation: '0196a1f0-92a3-7e45-86d7-e8f90a1b2c3d',
  at: '2026-11-02T10:15:00.000Z',
  later: '2026-11-02T10:25:00.000Z',
  expiry: '2028-11-02T10:15:00.000Z',
};

export const EarnBody = Type.Object(
  { member_id: Uuid, points: Points, reason: Reason, reference: Type.Optional(Reference) },
  {
    additionalProperties: false,
    examples: [
      {
        member_id: ex.member,
        points: 500,
        reason: 'stay completed',
        reference: 'stay-2026-11-001',
      },
    ],
  },
);
export const RedemptionBody = Type.Object(
  { points: Points, reference: Type.Optional(Reference), member_id: Type.Optional(Uuid) },
  { additionalProperties: false, examples: [{ points: 500, reference: 'spa-voucher' }] },
);
export const HoldBody = Type.Object(
  { member_id: Type.Optional(Uuid), points: Points, reference: Type.Optional(Reference) },
  { additionalProperties: false, examples: [{ points: 500, reference: 'order-2026-11-001' }] },
);
export const CaptureBody = Type.Object(
  { points: Type.Optional(Points) },
  { additionalProperties: false, examples: [{ points: 300 }] },
);
export const EmptyBody = Type.Object({}, { additionalProperties: false, examples: [{}] });
export const ReverseBody = Type.Object(
  { points: Type.Optional(Points), reason: Reason },
  { additionalProperties: false, examples: [{ points: 200, reason: 'partial refund' }] },
);
export const AdjustmentBody = Type.Object(
  { member_id: Uuid, points: SignedPoints, reason: Reason },
  {
    additionalProperties: false,
    examples: [{ member_id: ex.member, points: -250, reason: 'goodwill correction' }],
  },
);
export const DropBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, examples: ['Overwater villa, 2 nights'] }),
    points_price: Points,
    quantity: Type.Integer({ minimum: 1, maximum: 1_000_000, examples: [300] }),
    per_member_limit: Type.Integer({ minimum: 1, maximum: 100, examples: [1] }),
    opens_at: DateTime,
    closes_at: DateTime,
  },
  {
    additionalProperties: false,
    examples: [
      {
        name: 'Overwater villa, 2 nights',
        points_price: 90_000,
        quantity: 300,
        per_member_limit: 1,
        opens_at: ex.at,
        closes_at: ex.expiry,
      },
    ],
  },
);

/** Most drops one list returns. */
export const dropsPageMax = 100;
export const dropsPageDefault = 20;
export const DropListQuery = Type.Object({
  active: Type.Optional(
    Type.Boolean({ default: false, description: 'only drops that have not closed yet' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: dropsPageMax, default: 20 })),
});

export const MemberParams = Type.Object({ memberId: Uuid });
export const IdParams = Type.Object({ id: Uuid });
export const HistoryQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
});

/*
 * Response schemas. Fastify also SERIALIZES with these (fast-json-stringify): a field missing
 * here is silently dropped from the body, and a null in a non-nullable field becomes "" or 0.
 * So each one lists exactly what the handler or the ledger's rules (domain/ops/) return,
 * nullable where the code can return null, and none sets `additionalProperties: false` (it
 * would only add risk).
 */
const Int = Type.Integer();

export const HistoryPage = Type.Object(
  {
    items: Type.Array(
      Type.Object({
        id: Uuid,
        kind: Type.String(),
        points: Int,
        direction: Int,
        signed_points: Int,
        reference: Nullable(Type.String()),
        reason: Nullable(Type.String()),
        reverses: Nullable(Uuid),
        reversed_points: Int,
        created_at: DateTime,
      }),
    ),
    next_cursor: Nullable(Type.String()),
  },
  {
    description: 'One page of transactions, newest first',
    examples: [
      {
        items: [
          {
            id: ex.transaction,
            kind: 'earn',
            points: 500,
            direction: 1,
            signed_points: 500,
            reference: 'stay-2026-11-001',
            reason: 'stay completed',
            reverses: null,
            reversed_points: 0,
            created_at: ex.at,
          },
        ],
        next_cursor: null,
      },
    ],
  },
);

/** What every accepted ledger transaction answers (domain/ops/balances.ts `txBody`). */
const txFields = {
  transaction_id: Uuid,
  kind: Type.String(),
  member_id: Type.String(),
  points: Int,
  reference: Nullable(Type.String()),
  balance: Int,
  available: Int,
};
const txExample = (kind: string, points: number, reference: string | null, balance: number) => ({
  transaction_id: ex.transaction,
  kind,
  member_id: ex.member,
  points,
  reference,
  balance,
  available: balance,
});

export const EarnResult = Type.Object(
  { ...txFields, base_points: Int, tier: Type.String() },
  {
    description: 'Points credited (base points times the tier multiplier)',
    examples: [
      { ...txExample('earn', 625, 'stay-2026-11-001', 1_625), base_points: 500, tier: 'silver' },
    ],
  },
);
export const RedemptionResult = Type.Object(txFields, {
  description: 'Points spent',
  examples: [txExample('redeem', 500, 'spa-voucher', 1_000)],
});
export const ReversalResult = Type.Object(
  { ...txFields, reverses: Uuid, remaining_to_reverse: Int },
  {
    description: 'The reversing transaction',
    examples: [
      {
        ...txExample('reversal', 200, null, 1_200),
        reverses: ex.reversed,
        remaining_to_reverse: 300,
      },
    ],
  },
);
export const AdjustmentResult = Type.Object(
  { ...txFields, signed_points: Int },
  {
    description: 'The correction',
    examples: [{ ...txExample('adjustment', 250, null, 1_250), signed_points: -250 }],
  },
);
export const ClaimResult = Type.Object(
  { ...txFields, drop_id: Uuid, remaining: Int },
  {
    description: 'One unit claimed and paid',
    examples: [
      { ...txExample('claim', 90_000, ex.drop, 10_000), drop_id: ex.drop, remaining: 299 },
    ],
  },
);

export const HoldView = Type.Object(
  {
    id: Uuid,
    member_id: Type.String(),
    points: Int,
    status: Type.String(),
    reference: Nullable(Type.String()),
    expires_at: DateTime,
    available: Int,
  },
  {
    description: 'The hold; its points are no longer available',
    examples: [
      {
        id: ex.hold,
        member_id: ex.member,
        points: 500,
        status: 'active',
        reference: 'order-2026-11-001',
        expires_at: ex.later,
        available: 1_000,
      },
    ],
  },
);
export const CaptureResult = Type.Object(
  {
    id: Uuid,
    status: Type.String(),
    captured_points: Int,
    released_points: Int,
    transaction_id: Nullable(Uuid),
  },
  {
    description: 'The hold, captured; what was not captured returned to the member',
    examples: [
      {
        id: ex.hold,
        status: 'captured',
        captured_points: 300,
        released_points: 200,
        transaction_id: ex.transaction,
      },
    ],
  },
);
export const ReleaseResult = Type.Object(
  { id: Uuid, status: Type.String(), released_points: Int },
  {
    description: 'The hold, released',
    examples: [{ id: ex.hold, status: 'released', released_points: 500 }],
  },
);

/** submit.ts `acceptAsync`: the op is queued durably (Prefer: respond-async and a full queue). */
export const AcceptedAsync = Type.Object(
  { id: Uuid, status: Type.String(), status_url: Type.String() },
  {
    description: 'Queued; poll status_url (also in Location)',
    examples: [
      {
        id: ex.operation,
        status: 'pending',
        status_url: `/api/loyalty/operations/${ex.operation}`,
      },
    ],
  },
);
export const OperationStatus = Type.Object(
  {
    id: Uuid,
    status: Type.String(),
    status_code: Nullable(Int),
    // The op's own response body (or problem) when done; its shape depends on the op.
    result: Type.Unknown(),
    created_at: DateTime,
    completed_at: Nullable(DateTime),
  },
  {
    description: 'The queued operation and, once applied or refused, its outcome',
    examples: [
      {
        id: ex.operation,
        status: 'done',
        status_code: 201,
        result: txExample('redeem', 500, 'spa-voucher', 1_000),
        created_at: ex.at,
        completed_at: ex.at,
      },
    ],
  },
);

const dropExample = {
  id: ex.drop,
  name: 'Overwater villa, 2 nights',
  points_price: 90_000,
  quantity: 300,
  sold: 1,
  remaining: 299,
  per_member_limit: 1,
  opens_at: ex.at,
  closes_at: ex.expiry,
};

export const DropView = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    points_price: Int,
    quantity: Int,
    sold: Int,
    remaining: Int,
    per_member_limit: Int,
    opens_at: DateTime,
    closes_at: DateTime,
  },
  { description: 'The drop and its remaining stock', examples: [dropExample] },
);

/** A 304's (empty) body: the ETag sent in If-None-Match is still current. */
export const NotModified = Type.Null({ description: 'Not modified: the ETag is still current' });

export const DropPage = Type.Object(
  { items: Type.Array(DropView) },
  {
    description: 'Drops, newest opening first',
    examples: [{ items: [dropExample] }],
  },
);

/** Loyalty's own examples where the kernel's generic ones say less (400, 401, 403 are its). */
const loyaltyProblems = {
  404: {
    description: 'No such resource (also for resources of another member)',
    example: {
      type: '/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'No such account',
    },
  },
  409: {
    description: 'Conflicts with the current state (hold not active, drop closed, ...)',
    example: {
      type: '/problems/hold-not-active',
      title: 'Conflict',
      status: 409,
      detail: 'The hold is already captured',
      hold_status: 'captured',
    },
  },
  410: {
    description: 'The drop is sold out',
    example: {
      type: '/problems/sold-out',
      title: 'Sold out',
      status: 410,
      detail: 'This drop is sold out',
    },
  },
  422: {
    description: 'Understood but refused (not enough points, key reused, ...)',
    example: {
      type: '/problems/insufficient-points',
      title: 'Unprocessable request',
      status: 422,
      detail: 'Only 300 points are available; 500 are needed',
      available: 300,
      needed: 500,
    },
  },
  429: {
    description: 'Rate limited or the ledger is at capacity; see Retry-After',
    example: {
      type: '/problems/ledger-busy',
      title: 'Too many requests',
      status: 429,
      detail: 'The ledger is at capacity; retry shortly',
      retry_after_s: 1,
    },
  },
} satisfies Partial<Record<ProblemStatus, ProblemDoc>>;

export const problemResponses = problemResponsesWith(loyaltyProblems);

/**
 * Responses of a batched write: its success, 202 when queued (Prefer: respond-async and a full
 * queue), and the problems every write can meet besides its own: 400 (body, missing
 * Idempotency-Key), 401, 422 (key reused with another body) and 429 (rate or capacity).
 */
export function writeResponses(
  code: 200 | 201,
  success: TSchema,
  ...problems: ProblemStatus[]
): FastifySchema['response'] {
  // Typed loosely on purpose: these bodies come from the ledger (domain/ops/) as records,
  // so the handler's return type cannot be checked against them; the openapi test checks them.
  const all = [...new Set<ProblemStatus>([400, 401, 422, 429, ...problems])].sort();
  return { [code]: success, 202: AcceptedAsync, ...problemResponses(...all) };
}
