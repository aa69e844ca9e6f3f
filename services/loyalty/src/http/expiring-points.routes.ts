import type { App, Db } from '@redemption/kernel';
import { badRequest, DateTime, requireAdmin } from '@redemption/kernel';
import { Type } from 'typebox';
import { readExpiringPoints } from '../app/expiring-points.queries.ts';
import { problemResponses } from './loyalty.schemas.ts';

/** Most members one page lists. */
export const expiringPointsPageMax = 1000;
/** The widest range one request may ask about (a page of members for a day is the use). */
const expiringRangeDaysMax = 366;
const dayMs = 86_400_000;

const Query = Type.Object({
  from: DateTime,
  to: DateTime,
  after: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: expiringPointsPageMax, default: 500 })),
});

const Page = Type.Object(
  {
    items: Type.Array(
      Type.Object({ member_id: Type.String(), points: Type.Integer(), expires_at: DateTime }),
      { maxItems: expiringPointsPageMax },
    ),
  },
  {
    examples: [
      {
        items: [
          {
            member_id: '0192f0c4-7a51-7cc1-9b5e-2f4d6c1e8a30',
            points: 1200,
            expires_at: '2027-01-15T00:00:00.000Z',
          },
        ],
      },
    ],
  },
);

/** Points about to expire, per member: the notifications service's daily warning reads it. */
export async function expiringPointsRoutes(app: App, deps: { db: Db }): Promise<void> {
  app.get('/api/loyalty/admin/expiring-points', {
    schema: {
      tags: ['loyalty'],
      operationId: 'listExpiringPoints',
      summary: 'Members with points expiring in [from, to), by member id (admin or service)',
      querystring: Query,
      response: { 200: Page, ...problemResponses(403, 429) },
    },
    handler: async (req) => {
      requireAdmin(req);
      const from = new Date(req.query.from);
      const to = new Date(req.query.to);
      if (to <= from) throw badRequest('querystring.to must be after from', 'querystring.to');
      if (to.getTime() - from.getTime() > expiringRangeDaysMax * dayMs)
        throw badRequest(
          `querystring.to may be at most ${expiringRangeDaysMax} days after from`,
          'querystring.to',
        );
      const rows = await readExpiringPoints(deps.db, {
        from,
        to,
        after: req.query.after ?? null,
        limit: req.query.limit ?? 500,
      });
      return {
        items: rows.map((r) => ({
          member_id: r.memberId,
          points: r.points,
          expires_at: r.expiresAt.toISOString(),
        })),
      };
    },
  });
}
