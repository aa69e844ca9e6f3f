import type { App, Db } from '@redemption/kernel';
import { conflict, requireAdmin } from '@redemption/kernel';
import {
  VerificationBusyError,
  verifyLedger,
  type VerificationResult,
} from '../app/ledger-verification.ts';
import { readReconciliation } from '../app/reconciliation.queries.ts';
import { problemResponses } from './loyalty.schemas.ts';
import {
  ReconciliationView,
  VerificationView,
  VerifyBody,
  verificationRunning,
} from './reconciliation.schemas.ts';

const tags = ['loyalty'];

/**
 * Reconciliation for operators: run the ledger's invariants now (incremental unless `full`),
 * or read the last recorded result. Admin only. A verification reads a snapshot and never
 * blocks ledger writes; only one runs at a time (409 for a second).
 */
export async function reconciliationRoutes(app: App, deps: { db: Db }): Promise<void> {
  app.post('/api/loyalty/admin/verify', {
    schema: {
      tags,
      operationId: 'verifyLedger',
      summary: 'Verify the ledger now (incremental from the last position, or full)',
      body: VerifyBody,
      response: {
        200: VerificationView,
        ...problemResponses(400, 401, 403, 429),
        409: verificationRunning,
      },
    },
    handler: async (req) => {
      requireAdmin(req);
      try {
        const r = await verifyLedger(deps.db, { mode: req.body.full ? 'full' : 'auto' });
        return verificationView(r);
      } catch (err) {
        if (err instanceof VerificationBusyError)
          throw conflict('verification-running', `${err.message}; retry when it is done`);
        throw err;
      }
    },
  });

  app.get('/api/loyalty/admin/reconciliation', {
    schema: {
      tags,
      operationId: 'getLedgerReconciliation',
      summary: 'The last recorded ledger verification (what /metrics exports)',
      response: { 200: ReconciliationView, ...problemResponses(400, 401, 403, 429) },
    },
    handler: async (req) => {
      requireAdmin(req);
      const { last: l, checks } = await readReconciliation(deps.db);
      return {
        verified: l.verifiedAt !== null,
        mode: l.mode,
        position: l.position,
        verified_at: l.verifiedAt?.toISOString() ?? null,
        full_verified_at: l.fullVerifiedAt?.toISOString() ?? null,
        violations: checks.reduce((n, c) => n + c.violations, 0),
        checks,
      };
    },
  });
}

export function verificationView(r: VerificationResult) {
  return {
    mode: r.mode,
    position: r.position,
    from_position: r.fromPosition,
    snapshot: r.snapshot,
    verified_at: r.verifiedAt.toISOString(),
    violations: r.violations,
    errors: r.errors,
    recorded: r.recorded,
    duration_ms: r.ms,
    checks: r.checks.map((c) => ({
      check: c.check,
      title: c.title,
      status: c.status,
      violations: c.violations,
      found: c.found,
      examined: c.examined,
      unit: c.unit,
      scope: c.scope,
      ...(c.note ? { note: c.note } : {}),
      ...(c.error ? { error: c.error } : {}),
      duration_ms: c.ms,
      timeout_ms: c.timeoutMs,
    })),
  };
}
