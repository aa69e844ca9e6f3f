import { LoyaltyAccount } from '@redemption/contracts';
import type { App, Db, Idempotency } from '@redemption/kernel';
import {
  badRequest,
  IdempotencyKeyHeader,
  isPrivileged,
  newId,
  notFound,
  requireAdmin,
  requirePrincipal,
  requireSelfOrAdmin,
} from '@redemption/kernel';
import type { FastifyRequest } from 'fastify';
import { ledgerQueries } from '../app/ledger.queries.ts';
import type { Ledger } from '../app/ledger.service.ts';
import {
  AdjustmentBody,
  AdjustmentResult,
  CaptureBody,
  CaptureResult,
  EarnBody,
  EarnResult,
  EmptyBody,
  HistoryPage,
  HistoryQuery,
  HoldBody,
  HoldView,
  IdParams,
  MemberParams,
  OperationStatus,
  problemResponses,
  RedemptionBody,
  RedemptionResult,
  ReleaseResult,
  ReversalResult,
  ReverseBody,
  writeResponses,
} from './loyalty.schemas.ts';
import { submitOp } from './submit.ts';

const tags = ['loyalty'];

/** Whose account: a member acts for themself; an admin must name the member. */
function actingFor(req: FastifyRequest, memberId: string | undefined): string {
  const p = requirePrincipal(req);
  if (isPrivileged(p)) {
    if (!memberId)
      throw badRequest(
        'body.member_id is required when an admin acts for a member',
        'body.member_id',
      );
    return memberId;
  }
  if (memberId && memberId !== p.id) throw notFound('account');
  return p.id;
}

export interface LedgerRouteDeps {
  db: Db;
  ledger: Ledger;
  idempotency: Idempotency;
  holdTtlS: number;
}

export async function ledgerRoutes(
  app: App,
  { db, ledger, idempotency, holdTtlS }: LedgerRouteDeps,
): Promise<void> {
  const submit = (
    req: FastifyRequest,
    reply: Parameters<typeof submitOp>[4],
    scope: string,
    op: Parameters<typeof submitOp>[6],
  ) => submitOp(db, ledger, idempotency, req, reply, scope, op);

  app.get('/api/loyalty/accounts/:memberId', {
    schema: {
      tags,
      operationId: 'getLoyaltyAccount',
      summary: 'Balance, held, available, tier and the points expiring soonest',
      params: MemberParams,
      response: { 200: LoyaltyAccount, ...problemResponses(400, 401, 404, 429) },
    },
    handler: async (req) => {
      requireSelfOrAdmin(req, req.params.memberId, 'account');
      const view = await ledgerQueries.account(db, req.params.memberId);
      if (!view) throw notFound('account');
      return view;
    },
  });

  app.get('/api/loyalty/accounts/:memberId/transactions', {
    schema: {
      tags,
      operationId: 'listLoyaltyTransactions',
      summary: 'Transaction history, newest first (cursor pagination)',
      params: MemberParams,
      querystring: HistoryQuery,
      response: { 200: HistoryPage, ...problemResponses(400, 401, 404, 429) },
    },
    handler: async (req) => {
      requireSelfOrAdmin(req, req.params.memberId, 'account');
      return ledgerQueries.history(db, req.params.memberId, req.query.limit, req.query.cursor);
    },
  });

  app.post('/api/loyalty/earn', {
    config: { admission: 'batched' },
    schema: {
      tags,
      operationId: 'earnPoints',
      summary: 'Credit points (admin or internal)',
      headers: IdempotencyKeyHeader,
      body: EarnBody,
      response: writeResponses(201, EarnResult, 403, 404, 422),
    },
    handler: (req, reply) => {
      const admin = requireAdmin(req);
      const b = req.body;
      return submit(req, reply, 'earn', {
        kind: 'earn',
        id: newId(),
        memberId: b.member_id,
        points: b.points,
        reason: b.reason,
        reference: b.reference ?? null,
        actorId: admin.id,
      });
    },
  });

  app.post('/api/loyalty/redemptions', {
    config: { admission: 'batched' },
    schema: {
      tags,
      operationId: 'redeemPoints',
      summary: 'Spend points on a reward or reference',
      headers: IdempotencyKeyHeader,
      body: RedemptionBody,
      response: writeResponses(201, RedemptionResult, 404, 422),
    },
    handler: (req, reply) => {
      const memberId = actingFor(req, req.body.member_id);
      return submit(req, reply, 'redemptions', {
        kind: 'redeem',
        id: newId(),
        memberId,
        points: req.body.points,
        reference: req.body.reference ?? null,
        actorId: req.principal!.id,
      });
    },
  });

  app.post('/api/loyalty/holds', {
    config: { admission: 'batched' },
    schema: {
      tags,
      operationId: 'holdPoints',
      summary: 'Authorize points at checkout',
      headers: IdempotencyKeyHeader,
      body: HoldBody,
      response: writeResponses(201, HoldView, 404, 422),
    },
    handler: (req, reply) => {
      const memberId = actingFor(req, req.body.member_id);
      const expiresAt = new Date(Date.now() + holdTtlS * 1000);
      return submit(req, reply, 'holds', {
        kind: 'hold',
        id: newId(),
        memberId,
        points: req.body.points,
        reference: req.body.reference ?? null,
        actorId: req.principal!.id,
        expiresAt,
      });
    },
  });

  app.post('/api/loyalty/holds/:id/capture', {
    config: { admission: 'batched' },
    schema: {
      tags,
      operationId: 'captureHold',
      summary: 'Capture a hold, fully or partly (the rest returns)',
      headers: IdempotencyKeyHeader,
      params: IdParams,
      body: CaptureBody,
      response: writeResponses(200, CaptureResult, 404, 409, 422),
    },
    handler: async (req, reply) => {
      await requireHoldAccess(req, req.params.id);
      return submit(req, reply, 'capture', {
        kind: 'capture',
        id: newId(),
        holdId: req.params.id,
        points: req.body.points,
        actorId: req.principal!.id,
      });
    },
  });

  app.post('/api/loyalty/holds/:id/release', {
    config: { admission: 'batched' },
    schema: {
      tags,
      operationId: 'releaseHold',
      summary: 'Release a hold; its points become available again',
      headers: IdempotencyKeyHeader,
      params: IdParams,
      body: EmptyBody,
      response: writeResponses(200, ReleaseResult, 404, 409, 422),
    },
    handler: async (req, reply) => {
      await requireHoldAccess(req, req.params.id);
      return submit(req, reply, 'release', {
        kind: 'release',
        holdId: req.params.id,
        actorId: req.principal!.id,
      });
    },
  });

  app.post('/api/loyalty/transactions/:id/reverse', {
    config: { admission: 'batched' },
    schema: {
      tags,
      operationId: 'reverseTransaction',
      summary: 'Reverse a transaction, fully or partly (admin)',
      headers: IdempotencyKeyHeader,
      params: IdParams,
      body: ReverseBody,
      response: writeResponses(201, ReversalResult, 403, 404, 409, 422),
    },
    handler: (req, reply) => {
      const admin = requireAdmin(req);
      return submit(req, reply, 'reverse', {
        kind: 'reverse',
        id: newId(),
        transactionId: req.params.id,
        points: req.body.points,
        reason: req.body.reason,
        actorId: admin.id,
      });
    },
  });

  app.post('/api/loyalty/adjustments', {
    config: { admission: 'batched' },
    schema: {
      tags,
      operationId: 'adjustPoints',
      summary: 'Signed correction with a mandatory reason (admin, audited)',
      headers: IdempotencyKeyHeader,
      body: AdjustmentBody,
      response: writeResponses(201, AdjustmentResult, 403, 404, 422),
    },
    handler: (req, reply) => {
      const admin = requireAdmin(req);
      req.log.info(
        { member_id: req.body.member_id, points: req.body.points, actor_id: admin.id },
        'points adjustment requested',
      );
      return submit(req, reply, 'adjustments', {
        kind: 'adjust',
        id: newId(),
        memberId: req.body.member_id,
        points: req.body.points,
        reason: req.body.reason,
        actorId: admin.id,
      });
    },
  });

  app.get('/api/loyalty/operations/:id', {
    schema: {
      tags,
      operationId: 'getLoyaltyOperation',
      summary: 'Status of an operation accepted with Prefer: respond-async',
      params: IdParams,
      response: { 200: OperationStatus, ...problemResponses(400, 401, 404, 429) },
    },
    handler: async (req) => {
      const op = await ledgerQueries.operation(db, req.params.id);
      if (!op) throw notFound('operation');
      requireSelfOrAdmin(req, op.owner_id, 'operation');
      return {
        id: op.id,
        status: op.status,
        status_code: op.status_code,
        result: op.result,
        created_at: op.created_at.toISOString(),
        completed_at: op.completed_at?.toISOString() ?? null,
      };
    },
  });

  async function requireHoldAccess(req: FastifyRequest, holdId: string): Promise<void> {
    const p = requirePrincipal(req);
    if (isPrivileged(p)) return;
    const owner = await ledgerQueries.holdOwner(db, holdId);
    if (owner !== p.id) throw notFound('hold');
  }
}
