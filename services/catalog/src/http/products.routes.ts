import { Product } from '@redemption/contracts';
import type { App, Idempotency } from '@redemption/kernel';
import {
  badRequest,
  OptionalIdempotencyKeyHeader,
  problemResponses,
  requireAdmin,
} from '@redemption/kernel';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { etagMatches } from '../app/etag.ts';
import type { ProductService, Tagged } from '../app/product.service.ts';
import { productNotFound } from '../app/inventory.service.ts';
import {
  CategoryBody,
  CategoryListView,
  CategoryView,
  ListQuerySchema,
  ProductBody,
  ProductIdParams,
  ProductPageView,
  ProductReplaceBody,
  StockBody,
} from './catalog.schemas.ts';

const tags = ['catalog'];
const publicRoute = { public: true };
/** Admin check before body validation: a member learns nothing about the body's shape. */
const adminOnly = async (req: FastifyRequest): Promise<void> => void requireAdmin(req);
/** Clients and proxies may store a product but must revalidate (cheap with If-None-Match). */
const cacheControl = 'no-cache';

const sendTagged = (reply: FastifyReply, t: Tagged, status = 200) =>
  reply.code(status).header('etag', t.etag).header('cache-control', cacheControl).send(t.view);

/** `/api/products`, `/api/categories`: browsing (public) and administration (admin). */
export async function productsRoutes(
  app: App,
  svc: ProductService,
  idempotency: Idempotency,
): Promise<void> {
  app.get('/api/products', {
    config: publicRoute,
    schema: {
      tags,
      operationId: 'listProducts',
      summary: 'List products: filters, full-text search, sort, cursor pagination',
      querystring: ListQuerySchema,
      response: { 200: ProductPageView },
    },
    handler: (req) => svc.list(req.query),
  });

  app.get('/api/products/:id', {
    config: publicRoute,
    schema: {
      tags,
      operationId: 'getProduct',
      summary: 'A product (strong ETag; If-None-Match answers 304)',
      params: ProductIdParams,
      headers: Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 1024 })) }),
      response: { 200: Product, ...problemResponses(404) },
    },
    handler: async (req, reply) => {
      const t = await svc.get(req.params.id);
      if (!t) throw productNotFound(req.params.id);
      // If-None-Match uses the weak comparison (RFC 9110 13.1.2).
      if (etagMatches(req.headers['if-none-match'], t.etag, true))
        return (reply as FastifyReply)
          .code(304)
          .header('etag', t.etag)
          .header('cache-control', cacheControl)
          .send();
      return sendTagged(reply, t);
    },
  });

  app.post('/api/products', {
    preValidation: adminOnly,
    schema: {
      tags,
      operationId: 'createProduct',
      summary: 'Create a product (admin)',
      description: '409 `sku-taken` when another product has the SKU.',
      body: ProductBody,
      response: { 201: Product, ...problemResponses(403, 409) },
    },
    handler: async (req, reply) => {
      const t = await svc.create(req.body);
      reply.header('location', `/api/products/${t.view.id}`);
      return sendTagged(reply, t, 201);
    },
  });

  app.put('/api/products/:id', {
    preValidation: adminOnly,
    schema: {
      tags,
      operationId: 'replaceProduct',
      summary: 'Replace the editable fields of a product (admin; If-Match answers 412 on change)',
      params: ProductIdParams,
      headers: Type.Object({ 'if-match': Type.Optional(Type.String({ maxLength: 1024 })) }),
      body: ProductReplaceBody,
      response: { 200: Product, ...problemResponses(403, 404, 409, 412) },
    },
    handler: async (req, reply) =>
      sendTagged(reply, await svc.replace(req.params.id, req.body, req.headers['if-match'])),
  });

  app.delete('/api/products/:id', {
    preValidation: adminOnly,
    schema: {
      tags,
      operationId: 'deleteProduct',
      summary: 'Soft-delete a product (admin)',
      params: ProductIdParams,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(403, 404) },
    },
    handler: async (req, reply) => {
      await svc.remove(req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.patch('/api/products/:id/stock', {
    preValidation: adminOnly,
    schema: {
      tags,
      operationId: 'changeProductStock',
      summary: 'Set or change on-hand stock (admin; audited; never below reserved)',
      description:
        'Exactly one of `set` (absolute on-hand) or `delta` (signed change). Send an Idempotency-Key with `delta` so a retry cannot apply twice. 409 when on hand would go below what is reserved or below zero.',
      headers: OptionalIdempotencyKeyHeader,
      params: ProductIdParams,
      body: StockBody,
      response: { 200: Product, ...problemResponses(403, 404, 409) },
    },
    handler: async (req, reply) => {
      const actor = requireAdmin(req);
      const { set, delta, reason } = req.body;
      if ((set === undefined) === (delta === undefined))
        throw badRequest('body.set or body.delta is required, not both', 'body.set');
      const adj = set !== undefined ? { set } : { delta: delta! };
      const view = await idempotency.run(
        req,
        reply,
        { scope: 'catalog.stock', required: false },
        async (q) => {
          const t = await svc.adjustStock(q, { id: req.params.id, adj, reason, actorId: actor.id });
          reply.header('etag', t.etag);
          return { statusCode: 200, body: t.view };
        },
      );
      await svc.invalidate();
      return view;
    },
  });

  app.get('/api/categories', {
    config: publicRoute,
    schema: {
      tags,
      operationId: 'listCategories',
      summary: 'All categories',
      response: { 200: CategoryListView },
    },
    handler: async () => ({ items: await svc.categories() }),
  });

  app.post('/api/categories', {
    preValidation: adminOnly,
    schema: {
      tags,
      operationId: 'createCategory',
      summary: 'Create a category (admin)',
      description: '409 `slug-taken` when the slug exists.',
      body: CategoryBody,
      response: { 201: CategoryView, ...problemResponses(403, 409) },
    },
    handler: async (req, reply) => reply.code(201).send(await svc.createCategory(req.body)),
  });
}
