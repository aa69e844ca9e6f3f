import { Type, type Static } from 'typebox';
import { DateTime, Nullable } from './primitives.ts';

/** A member's loyalty account as orders, the gateway and the web app see it (product.schema.ts). */
export const LoyaltyAccount = Type.Object(
  {
    member_id: Type.String(),
    balance: Type.Integer(),
    held: Type.Integer(),
    available: Type.Integer(),
    tier: Type.String(),
    expiring: Type.Array(Type.Object({ points: Type.Integer(), expires_at: DateTime })),
    pending: Type.Integer({
      minimum: 0,
      description:
        'points earned on orders not yet spendable: released when the order is delivered and its return window has passed (before any tier bonus, which applies at release); not part of the balance',
    }),
    pending_earnings: Type.Array(
      Type.Object({
        order_id: Type.String(),
        points: Type.Integer(),
        release_at: Nullable(DateTime, { description: 'null until the order is delivered' }),
      }),
      { description: 'the pending earnings released soonest (at most 5)' },
    ),
    qualifying_points: Type.Integer({
      minimum: 0,
      description: 'points that count toward the tier: earned in the trailing 12 months',
    }),
    next_tier: Nullable(Type.Object({ tier: Type.String(), threshold_points: Type.Integer() }), {
      description: 'the tier above and the qualifying points it needs; null at the top',
    }),
  },
  {
    description: 'The account',
    examples: [
      {
        member_id: '0196a1f0-3c4a-7b12-8d9e-0a1b2c3d4e5f',
        balance: 1_500,
        held: 500,
        available: 1_000,
        tier: 'silver',
        expiring: [{ points: 1_500, expires_at: '2028-11-02T10:15:00.000Z' }],
        pending: 300,
        pending_earnings: [
          {
            order_id: '0196a1f0-92a3-7e45-86d7-e8f90a1b2c3d',
            points: 300,
            release_at: '2026-11-02T10:25:00.000Z',
          },
        ],
        qualifying_points: 12_000,
        next_tier: { tier: 'gold', threshold_points: 40_000 },
      },
    ],
  },
);
export type LoyaltyAccount = Static<typeof LoyaltyAccount>;
