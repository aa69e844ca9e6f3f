import type { App, Idempotency } from '@redemption/kernel';
import {
  forbidden,
  OptionalIdempotencyKeyHeader,
  problemResponses,
  ProblemError,
  requireAdmin,
  requirePrincipal,
  requireSelfOrAdmin,
} from '@redemption/kernel';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { User } from '../domain/user.ts';
import type { IdentityService } from '../app/identity.service.ts';
import type { MailTokens } from '../app/mail-tokens.ts';
import {
  EmailChangeConfirmBody,
  LoginBody,
  LoginView,
  RefreshBody,
  RegisterBody,
  ResetConfirmBody,
  ResetRequestBody,
  TokenPairView,
  UpdateBody,
  UpdatedView,
  UserIdParams,
  UserListQuery,
  UserPage,
  UserView,
} from './users.schemas.ts';
import {
  clearRefreshCookie,
  deliverRefreshToken,
  refreshTokenOf,
  refreshTokenOrNone,
  wantsRefreshCookie,
} from './refresh-cookie.ts';

const tags = ['identity'];
const publicRoute = { public: true };
const userPageDefault = 20;
const Accepted = Type.Object({ status: Type.Literal('accepted') });

export const toView = (u: User) => ({
  ...u,
  created_at: u.created_at.toISOString(),
  updated_at: u.updated_at.toISOString(),
});

/** `/api/users/*`: registration, sessions, profile. */
export async function usersRoutes(
  app: App,
  svc: IdentityService,
  idempotency: Idempotency,
  opts: { refreshTtlS: number; mailTokens: MailTokens },
): Promise<void> {
  app.post('/api/users/register', {
    config: publicRoute,
    schema: {
      tags,
      operationId: 'registerUser',
      summary: 'Register a member',
      description:
        '409 `username-taken` or `email-taken`; 429 when this address registers too often.',
      headers: OptionalIdempotencyKeyHeader,
      body: RegisterBody,
      response: { 201: UserView, ...problemResponses(409, 429) },
    },
    handler: async (req, reply) => {
      await svc.admitRegistration(req.ip);
      return idempotency.run(
        req,
        reply,
        { scope: 'identity.register', required: false },
        async (q) => ({ statusCode: 201, body: toView(await svc.register(q, req.body)) }),
      );
    },
  });

  app.post('/api/users/login', {
    config: publicRoute,
    schema: {
      tags,
      operationId: 'login',
      summary: 'Sign in with username or e-mail',
      body: LoginBody,
      response: { 200: LoginView, ...problemResponses(401, 429) },
    },
    handler: async (req, reply) => {
      const out = await svc.login(req.body.username, req.body.password, req.ip);
      return deliverRefreshToken(req, reply, { ...out, user: toView(out.user) }, opts.refreshTtlS);
    },
  });

  app.post('/api/users/refresh', {
    config: publicRoute,
    schema: {
      tags,
      operationId: 'refreshSession',
      summary: 'Rotate a refresh token',
      body: RefreshBody,
      response: { 200: TokenPairView, ...problemResponses(401) },
    },
    handler: async (req, reply) =>
      deliverRefreshToken(
        req,
        reply,
        await svc.refresh(refreshTokenOf(req, req.body)),
        opts.refreshTtlS,
      ),
  });

  app.post('/api/users/logout', {
    config: publicRoute,
    schema: {
      tags,
      operationId: 'logout',
      summary: 'Revoke a refresh token and its family',
      body: RefreshBody,
      response: { 204: Type.Null({ description: 'Signed out' }), ...problemResponses(401) },
    },
    handler: async (req, reply) => {
      // A cookie client that has no cookie left is signed out already: clear it and say so.
      const token = wantsRefreshCookie(req)
        ? refreshTokenOrNone(req, req.body)
        : refreshTokenOf(req, req.body);
      if (token) await svc.logout(token);
      if (wantsRefreshCookie(req)) clearRefreshCookie(req, reply);
      return reply.code(204).send(null);
    },
  });

  app.post('/api/users/password-reset', {
    config: publicRoute,
    schema: {
      tags,
      operationId: 'requestPasswordReset',
      summary: 'Request a password reset (always 202)',
      body: ResetRequestBody,
      response: { 202: Accepted, ...problemResponses(429) },
    },
    handler: async (req, reply) => {
      await svc.requestPasswordReset(req.body.email, req.ip);
      return reply.code(202).send({ status: 'accepted' });
    },
  });

  app.post('/api/users/password-reset/confirm', {
    config: publicRoute,
    schema: {
      tags,
      operationId: 'confirmPasswordReset',
      summary: 'Set a new password with a reset token',
      description: '400 `reset-token-invalid` for a token that is invalid, used or expired.',
      body: ResetConfirmBody,
      response: { 204: Type.Null({ description: 'Password changed' }) },
    },
    handler: async (req, reply) => {
      await svc.confirmPasswordReset(req.body.token, req.body.new_password);
      return reply.code(204).send(null);
    },
  });

  mailTokenRoutes(app, opts.mailTokens);

  // A profile holds personal data: a revoked token may not read it either.
  const profileRoute = { revocationCheck: 'always' as const };

  app.get('/api/users', {
    schema: {
      tags,
      operationId: 'listUsers',
      summary: 'Users, newest first; q matches part of a username or e-mail (admin)',
      querystring: UserListQuery,
      response: { 200: UserPage, ...problemResponses(403) },
    },
    handler: async (req) => {
      requireAdmin(req);
      const limit = req.query.limit ?? userPageDefault;
      const rows = await svc.search({
        text: req.query.q,
        limit: limit + 1,
        before: req.query.cursor,
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map(toView),
        next_cursor: rows.length > limit ? page[page.length - 1]!.id : null,
      };
    },
  });

  app.get('/api/users/:id', {
    config: profileRoute,
    schema: {
      tags,
      operationId: 'getUser',
      summary: 'A user profile (self or admin)',
      params: UserIdParams,
      response: { 200: UserView, ...problemResponses(404) },
    },
    handler: async (req) => {
      requireSelfOrAdmin(req, req.params.id);
      return toView(await svc.get(req.params.id));
    },
  });

  app.put('/api/users/:id', {
    config: profileRoute,
    schema: {
      tags,
      operationId: 'updateUser',
      summary: 'Update a profile (self or admin)',
      description:
        "A member's new `email` is sent a confirmation link and applies once confirmed " +
        '(`pending_email` until then), whether or not the address is registered; an admin sets it at once.',
      params: UserIdParams,
      body: UpdateBody,
      response: { 200: UpdatedView, ...problemResponses(404, 409, 429) },
    },
    handler: async (req) => {
      const actor = requireSelfOrAdmin(req, req.params.id);
      const out = await svc.update(actor, req.params.id, req.body);
      return {
        ...toView(out.user),
        ...(out.pendingEmail ? { pending_email: out.pendingEmail } : {}),
      };
    },
  });

  app.post('/api/users/email-change/confirm', {
    config: publicRoute,
    schema: {
      tags,
      operationId: 'confirmEmailChange',
      summary: 'Confirm a new e-mail with the token sent to it',
      body: EmailChangeConfirmBody,
      response: { 204: Type.Null({ description: 'E-mail changed' }), ...problemResponses(409) },
    },
    handler: async (req, reply) => {
      await svc.confirmEmailChange(req.body.token);
      return reply.code(204).send(null);
    },
  });

  app.delete('/api/users/:id', {
    config: profileRoute,
    schema: {
      tags,
      operationId: 'deleteUser',
      summary: 'Soft-delete a user (self or admin)',
      params: UserIdParams,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(404) },
    },
    handler: async (req, reply) => {
      const actor = requireSelfOrAdmin(req, req.params.id);
      await svc.remove(actor, req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.post('/api/users/:id/logout-all', {
    schema: {
      tags,
      operationId: 'logoutEverywhere',
      summary: 'Sign out everywhere (self or admin): every session and access token so far',
      params: UserIdParams,
      response: {
        204: Type.Null({ description: 'Signed out everywhere' }),
        ...problemResponses(404),
      },
    },
    handler: async (req, reply) => {
      const actor = requireSelfOrAdmin(req, req.params.id);
      await svc.logoutEverywhere(actor, req.params.id);
      return reply.code(204).send(null);
    },
  });
}

const RequestParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
const TokenDeliveryView = Type.Object({
  member_id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  token: Type.String(),
  expires_at: Type.String({ format: 'date-time' }),
});

/** Only another service of the platform (notifications) may mint a mail's token. */
function requireService(req: FastifyRequest): void {
  if (requirePrincipal(req).role !== 'service') throw forbidden('This is for internal services');
}

const gone = (what: string) =>
  new ProblemError(410, 'request-closed', 'Gone', `The ${what} is used, expired or unknown`);

/**
 * The tokens identity's mails carry, minted when the mail is sent (app/mail-tokens.ts). Not
 * idempotent on purpose: a stored answer would keep a live token in the idempotency table.
 */
function mailTokenRoutes(app: App, mailTokens: MailTokens): void {
  const description =
    'Internal (service token): a fresh single-use token for the mail and the address to send it to; the previous token of the request stops working. 410 when the request is used, expired or unknown.';
  app.post('/api/users/password-reset/:id/delivery', {
    schema: {
      tags,
      operationId: 'mintPasswordResetDelivery',
      summary: "A password reset's mail token (internal)",
      description,
      params: RequestParams,
      response: { 200: TokenDeliveryView, ...problemResponses(403, 410) },
    },
    handler: async (req) => {
      requireService(req);
      return (await mailTokens.resetDelivery(req.params.id)) ?? throwGone('password reset');
    },
  });
  app.post('/api/users/email-change/:id/delivery', {
    schema: {
      tags,
      operationId: 'mintEmailChangeDelivery',
      summary: "An e-mail change's confirmation token (internal)",
      description,
      params: RequestParams,
      response: { 200: TokenDeliveryView, ...problemResponses(403, 410) },
    },
    handler: async (req) => {
      requireService(req);
      return (await mailTokens.emailChangeDelivery(req.params.id)) ?? throwGone('e-mail change');
    },
  });
}

function throwGone(what: string): never {
  throw gone(what);
}
