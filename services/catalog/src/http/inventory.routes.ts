import { Reservation } from '@redemption/contracts';
import type { App, Db, Idempotency } from '@redemption/kernel';
import {
  badRequest,
  IdempotencyKeyHeader,
  problemResponses,
  requireAdmin,
} from '@redemption/kernel';
import type { FastifyRequest } from 'fastify';
import type { InventoryService } from '../app/inventory.service.ts';
import { duplicateProduct } from '../domain/reservation.ts';
import { EmptyBody, ReservationIdParams, ReserveBody } from './catalog.schemas.ts';

const tags = ['catalog'];
const base = '/api/inventory/reservations';
/** Admins and services only; checked before validation so others learn nothing of the API. */
const privilegedOnly = async (req: FastifyRequest): Promise<void> => void requireAdmin(req);

const actions = {
  commit: 'Commit a held reservation: the units are sold (idempotent)',
  release: 'Release a held reservation: the units are free again (idempotent compensation)',
  restock: 'Restock a committed reservation: the sold units return to stock (refund)',
} as const;
const operationIds = {
  commit: 'commitReservation',
  release: 'releaseReservation',
  restock: 'restockReservation',
} as const;

/** Stock reservations for the orders service's checkout saga. */
export interface InventoryRouteDeps {
  db: Db;
  svc: InventoryService;
  idempotency: Idempotency;
  /** Drops cached product views after a stock change commits. */
  invalidate: () => Promise<void>;
}

export async function inventoryRoutes(app: App, deps: InventoryRouteDeps): Promise<void> {
  const { svc, idempotency, invalidate } = deps;
  app.post(base, {
    preValidation: privilegedOnly,
    schema: {
      tags,
      operationId: 'reserveStock',
      summary: 'Reserve stock for every line, or none (admin/service)',
      description:
        '201 with a new reservation; 200 with the existing one when this reservation_id was already reserved with the same items. 409 `out-of-stock` names `product_id` and `available`.',
      headers: IdempotencyKeyHeader,
      body: ReserveBody,
      response: { 200: Reservation, 201: Reservation, ...problemResponses(403, 404, 409) },
    },
    handler: async (req, reply) => {
      const actor = requireAdmin(req);
      const dup = duplicateProduct(req.body.items);
      if (dup) throw badRequest(`body.items lists product ${dup} twice`, 'body.items');
      const body = await idempotency.run(
        req,
        reply,
        { scope: 'catalog.reserve', required: true },
        async (q) => {
          const out = await svc.reserve(q, actor.id, req.body);
          return { statusCode: out.created ? 201 : 200, body: out.reservation };
        },
      );
      await invalidate();
      return body;
    },
  });

  app.get(`${base}/:id`, {
    preValidation: privilegedOnly,
    schema: {
      tags,
      operationId: 'getReservation',
      summary: 'A reservation (admin/service)',
      params: ReservationIdParams,
      response: { 200: Reservation, ...problemResponses(403, 404) },
    },
    handler: (req) => svc.get(deps.db, req.params.id),
  });

  for (const action of Object.keys(actions) as (keyof typeof actions)[]) {
    app.post(`${base}/:id/${action}`, {
      preValidation: privilegedOnly,
      schema: {
        tags,
        operationId: operationIds[action],
        summary: `${actions[action]} (admin/service)`,
        description: '409 when the reservation is in a status this action cannot leave.',
        headers: IdempotencyKeyHeader,
        params: ReservationIdParams,
        body: EmptyBody,
        response: { 200: Reservation, ...problemResponses(403, 404, 409) },
      },
      handler: async (req, reply) => {
        const actor = requireAdmin(req);
        const body = await idempotency.run(
          req,
          reply,
          { scope: `catalog.${action}`, required: true },
          async (q) => ({
            statusCode: 200,
            body: await svc.transition(q, req.params.id, action, actor.id),
          }),
        );
        await invalidate();
        return body;
      },
    });
  }
}
