import { problemResponsesWith } from '@redemption/kernel';
import { Type } from 'typebox';
import { ledgerCheckNames } from '../app/reconciliation.queries.ts';

const Count = Type.Integer({ minimum: 0 });
const Position = Type.String({
  pattern: '^[0-9]{1,20}$',
  description: 'transaction id (xid8) below which every ledger transaction was verified',
  examples: ['51234'],
});
const Check = Type.String({
  pattern: '^[a-z_]{1,64}$',
  description: `the invariant (label \`check\` of ledger_invariant_violations): ${ledgerCheckNames.join(', ')}`,
});
const at = '2026-12-01T10:15:00.000Z';

export const VerifyBody = Type.Object(
  {
    full: Type.Optional(
      Type.Boolean({
        description:
          'verify everything again instead of only what is new since the last position (default false)',
      }),
    ),
  },
  { additionalProperties: false, examples: [{ full: false }] },
);

const CheckResultView = Type.Object({
  check: Check,
  title: Type.String(),
  status: Type.Union([
    Type.Literal('pass'),
    Type.Literal('fail'),
    Type.Literal('skipped'),
    Type.Literal('error'),
  ]),
  violations: Count,
  found: Count,
  examined: Count,
  unit: Type.String(),
  scope: Type.Union([Type.Literal('full'), Type.Literal('since'), Type.Literal('skipped')]),
  note: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  duration_ms: Count,
  timeout_ms: Count,
});

export const VerificationView = Type.Object(
  {
    mode: Type.Union([Type.Literal('full'), Type.Literal('incremental')]),
    position: Position,
    from_position: Type.Union([Position, Type.Null()]),
    snapshot: Type.String(),
    verified_at: Type.String({ format: 'date-time' }),
    violations: Count,
    errors: Count,
    recorded: Type.Boolean(),
    duration_ms: Count,
    checks: Type.Array(CheckResultView),
  },
  {
    description: 'Every check, what it read and found; violations > 0 means the ledger is wrong',
    examples: [
      {
        mode: 'incremental',
        position: '51234',
        from_position: '50990',
        snapshot: '51234:51240:51236',
        verified_at: at,
        violations: 0,
        errors: 0,
        recorded: true,
        duration_ms: 48,
        checks: [
          {
            check: 'transaction_balanced',
            title: "every transaction's entries sum to zero",
            status: 'pass',
            violations: 0,
            found: 0,
            examined: 212,
            unit: 'new transactions',
            scope: 'since',
            duration_ms: 3,
            timeout_ms: 11_000,
          },
        ],
      },
    ],
  },
);

export const ReconciliationView = Type.Object(
  {
    verified: Type.Boolean({ description: 'false until the first verification is recorded' }),
    mode: Type.Union([Type.Literal('full'), Type.Literal('incremental'), Type.Null()]),
    position: Type.Union([Position, Type.Null()]),
    verified_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    full_verified_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    violations: Count,
    checks: Type.Array(
      Type.Object({ check: Check, title: Type.String(), proves: Type.String(), violations: Count }),
    ),
  },
  {
    description: 'The last recorded verification (what the metrics export)',
    examples: [
      {
        verified: true,
        mode: 'incremental',
        position: '51234',
        verified_at: at,
        full_verified_at: '2026-12-01T03:00:00.000Z',
        violations: 0,
        checks: [
          {
            check: 'balance_matches_entries',
            title: 'stored balance = sum of entries',
            proves: 'the balance every read and every decision uses is the sum of the ledger',
            violations: 0,
          },
        ],
      },
    ],
  },
);

/** 409 when another verification (any pod, the command, the job) holds the lock. */
export const verificationRunning = problemResponsesWith({
  409: {
    description: 'Another verification is running; retry when it is done',
    example: {
      type: '/problems/verification-running',
      title: 'Conflict',
      status: 409,
      detail: 'Another ledger verification is running; retry when it is done',
    },
  },
})(409)[409];
