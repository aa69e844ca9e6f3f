import type { App, Db, Idempotency } from '@redemption/kernel';
import {
  badRequest,
  IdempotencyKeyHeader,
  newId,
  notFound,
  ProblemError,
  requireAdmin,
  requirePrincipal,
} from '@redemption/kernel';
import { dropsService } from '../app/drops.service.ts';
import type { Ledger } from '../app/ledger.service.ts';
import type { Drop } from '../domain/drops.ts';
import {
  ClaimResult,
  DropBody,
  DropListQuery,
  DropPage,
  dropsPageDefault,
  DropView,
  EmptyBody,
  IdParams,
  NotModified,
  problemResponses,
  writeResponses,
} from './loyalty.schemas.ts';
import { submitOp } from './submit.ts';

const tags = ['loyalty'];
const soldOutMembersMax = 1_000_000;

/**
 * Flash-sale drops. Once a drop is seen sold out, this process answers 410 at once for anyone
 * who did not win it, without touching the database; winners still reach the idempotent path,
 * so a retried winning claim replays its success instead of a 410.
 */
export interface DropsRouteDeps {
  db: Db;
  ledger: Ledger;
  idempotency: Idempotency;
  dropRemaining: (dropId: string, remaining: number) => void;
}

export async function dropsRoutes(app: App, deps: DropsRouteDeps): Promise<void> {
  const soldOut = new Map<string, Set<string>>();
  async function markSoldOut(dropId: string): Promise<void> {
    if (soldOut.has(dropId)) return;
    soldOut.set(dropId, new Set(await dropsService.winners(deps.db, dropId, soldOutMembersMax)));
  }

  app.post('/api/loyalty/drops', {
    schema: {
      tags,
      operationId: 'createDrop',
      summary: 'Create a drop (admin)',
      body: DropBody,
      response: { 201: DropView, ...problemResponses(400, 401, 403, 429) },
    },
    handler: async (req, reply) => {
      requireAdmin(req);
      const opensAt = new Date(req.body.opens_at);
      const closesAt = new Date(req.body.closes_at);
      if (closesAt <= opensAt)
        throw badRequest('body.closes_at must be after opens_at', 'body.closes_at');
      const drop = await dropsService.create(deps.db, {
        id: newId(),
        name: req.body.name,
        pointsPrice: req.body.points_price,
        quantity: req.body.quantity,
        perMemberLimit: req.body.per_member_limit,
        opensAt,
        closesAt,
      });
      return reply.code(201).send(dropView(drop));
    },
  });

  app.get('/api/loyalty/drops', {
    config: { public: true },
    schema: {
      tags,
      operationId: 'listDrops',
      summary: 'Drops, newest opening first (active=true: those not closed yet)',
      querystring: DropListQuery,
      response: { 200: DropPage, ...problemResponses(400, 429) },
    },
    handler: async (req) => {
      const rows = await dropsService.list(deps.db, {
        activeOnly: req.query.active ?? false,
        limit: req.query.limit ?? dropsPageDefault,
      });
      return { items: rows.map(dropView) };
    },
  });

  app.get('/api/loyalty/drops/:id', {
    config: { public: true },
    schema: {
      tags,
      operationId: 'getDrop',
      summary: 'A drop and its remaining stock (ETag; If-None-Match answers 304 until a sale)',
      params: IdParams,
      response: { 200: DropView, 304: NotModified, ...problemResponses(400, 404, 429) },
    },
    handler: async (req, reply) => {
      const drop = await dropsService.find(deps.db, req.params.id);
      if (!drop) throw notFound('drop');
      deps.dropRemaining(drop.id, drop.quantity - drop.sold);
      if (drop.sold >= drop.quantity) await markSoldOut(drop.id);
      // Only `sold` changes once a drop exists, so it is the whole version: pages watching a
      // drop poll with If-None-Match and get an empty 304 until a unit sells.
      const etag = `"drop-${drop.sold}"`;
      reply.header('etag', etag).header('cache-control', 'no-cache');
      if (req.headers['if-none-match'] === etag) return reply.code(304).send(null);
      return dropView(drop);
    },
  });

  app.post('/api/loyalty/drops/:id/claims', {
    config: { admission: 'batched' },
    schema: {
      tags,
      operationId: 'claimDrop',
      summary: 'Claim one unit, paying its points in the same transaction',
      headers: IdempotencyKeyHeader,
      params: IdParams,
      body: EmptyBody,
      response: writeResponses(201, ClaimResult, 404, 409, 410, 422),
    },
    handler: async (req, reply) => {
      const member = requirePrincipal(req);
      const winners = soldOut.get(req.params.id);
      if (winners && !winners.has(member.id))
        throw new ProblemError(410, 'sold-out', 'Sold out', 'This drop is sold out');
      try {
        const body = (await submitOp(deps.db, deps.ledger, deps.idempotency, req, reply, 'claims', {
          kind: 'claim',
          id: newId(),
          dropId: req.params.id,
          memberId: member.id,
          actorId: member.id,
        })) as { remaining?: number };
        if (typeof body?.remaining === 'number') deps.dropRemaining(req.params.id, body.remaining);
        if (body?.remaining === 0) await markSoldOut(req.params.id);
        return body;
      } catch (err) {
        if (err instanceof ProblemError && err.slug === 'sold-out')
          await markSoldOut(req.params.id);
        throw err;
      }
    },
  });
}

const dropView = (d: Drop) => ({
  id: d.id,
  name: d.name,
  points_price: d.pointsPrice,
  quantity: d.quantity,
  sold: d.sold,
  remaining: d.quantity - d.sold,
  per_member_limit: d.perMemberLimit,
  opens_at: d.opensAt.toISOString(),
  closes_at: d.closesAt.toISOString(),
});
