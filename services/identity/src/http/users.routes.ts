import type { App, Idempotency } from '@redemption/kernel';
import { requireAdmin, requireSelfOrAdmin } from '@redemption/kernel';
import type { User } from '../domain/user.ts';
import type { IdentityService } from '../app/identity.service.ts';
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
  opts: { refreshTtlS: number },
): Promise<void> {
  app.post('/api/users/register', {
    config: publicRoute,
    schema: { tags, summary: 'Register a member', body: RegisterBody, response: { 201: UserView } },
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
      summary: 'Sign in with username or e-mail',
      body: LoginBody,
      response: { 200: LoginView },
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
      summary: 'Rotate a refresh token',
      body: RefreshBody,
      response: { 200: TokenPairView },
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
    schema: { tags, summary: 'Revoke a refresh token and its family', body: RefreshBody },
    handler: async (req, reply) => {
      // A cookie client that has no cookie left is signed out already: clear it and say so.
      const token = wantsRefreshCookie(req)
        ? refreshTokenOrNone(req, req.body)
        : refreshTokenOf(req, req.body);
      if (token) await svc.logout(token);
      if (wantsRefreshCookie(req)) clearRefreshCookie(req, reply);
      return reply.code(204).send();
    },
  });

  app.post('/api/users/password-reset', {
    config: publicRoute,
    schema: { tags, summary: 'Request a password reset (always 202)', body: ResetRequestBody },
    handler: async (req, reply) => {
      await svc.requestPasswordReset(req.body.email, req.ip);
      return reply.code(202).send({ status: 'accepted' });
    },
  });

  app.post('/api/users/password-reset/confirm', {
    config: publicRoute,
    schema: { tags, summary: 'Set a new password with a reset token', body: ResetConfirmBody },
    handler: async (req, reply) => {
      await svc.confirmPasswordReset(req.body.token, req.body.new_password);
      return reply.code(204).send();
    },
  });

  // A profile holds personal data: a revoked token may not read it either.
  const profileRoute = { revocationCheck: 'always' as const };

  app.get('/api/users', {
    schema: {
      tags,
      summary: 'Users, newest first; q matches part of a username or e-mail (admin)',
      querystring: UserListQuery,
      response: { 200: UserPage },
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
      summary: 'A user profile (self or admin)',
      params: UserIdParams,
      response: { 200: UserView },
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
      summary: 'Update a profile (self or admin)',
      description:
        "A member's new `email` is sent a confirmation link and applies once confirmed " +
        '(`pending_email` until then), whether or not the address is registered; an admin sets it at once.',
      params: UserIdParams,
      body: UpdateBody,
      response: { 200: UpdatedView },
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
      summary: 'Confirm a new e-mail with the token sent to it',
      body: EmailChangeConfirmBody,
    },
    handler: async (req, reply) => {
      await svc.confirmEmailChange(req.body.token);
      return reply.code(204).send();
    },
  });

  app.delete('/api/users/:id', {
    config: profileRoute,
    schema: { tags, summary: 'Soft-delete a user (self or admin)', params: UserIdParams },
    handler: async (req, reply) => {
      const actor = requireSelfOrAdmin(req, req.params.id);
      await svc.remove(actor, req.params.id);
      return reply.code(204).send();
    },
  });

  app.post('/api/users/:id/logout-all', {
    schema: {
      tags,
      summary: 'Sign out everywhere (self or admin): every session and access token so far',
      params: UserIdParams,
    },
    handler: async (req, reply) => {
      const actor = requireSelfOrAdmin(req, req.params.id);
      await svc.logoutEverywhere(actor, req.params.id);
      return reply.code(204).send();
    },
  });
}
