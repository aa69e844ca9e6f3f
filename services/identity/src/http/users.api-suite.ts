import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAdminPassword, type Harness } from '../testing/identity-harness.ts';

type Inject = Harness['platform']['app']['inject'];
const password = 'a long enough passphrase';

/**
 * The identity API contract, run against every way identity can be deployed (embedded
 * PGlite, real PostgreSQL in distributed mode, ...). `start` builds a fresh service.
 */
export function identityApiSuite(label: string, start: () => Promise<Harness>): void {
  describe(`identity API (${label})`, () => {
    let h: Harness;
    let inject: Inject;
    beforeAll(async () => {
      h = await start();
      inject = h.platform.app.inject.bind(h.platform.app);
    });
    afterAll(async () => h?.close());

    const unique = () => `u${randomUUID().slice(0, 8)}`;
    async function register(name = unique(), extra: Record<string, unknown> = {}) {
      const res = await inject({
        method: 'POST',
        url: '/api/users/register',
        payload: { username: name, email: `${name}@example.com`, password, ...extra },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string; username: string; email: string }>();
    }
    async function login(username: string, pw = password) {
      return inject({
        method: 'POST',
        url: '/api/users/login',
        payload: { username, password: pw },
      });
    }
    async function session(name = unique()) {
      const user = await register(name);
      const res = await login(name);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ access_token: string; refresh_token: string }>();
      return { user, ...body, auth: { authorization: `Bearer ${body.access_token}` } };
    }

    it('registers, logs in and reads its own profile through one port', async () => {
      const s = await session();
      const me = await inject({ method: 'GET', url: `/api/users/${s.user.id}`, headers: s.auth });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ id: s.user.id, username: s.user.username, role: 'member' });
      expect(me.body).not.toContain('password');
    });

    it('answers 404 for another member and 401 without a token', async () => {
      const a = await session();
      const b = await register();
      const other = await inject({ method: 'GET', url: `/api/users/${b.id}`, headers: a.auth });
      expect(other.statusCode).toBe(404);
      expect(other.headers['content-type']).toContain('application/problem+json');
      const missing = await inject({
        method: 'GET',
        url: `/api/users/${randomUUID()}`,
        headers: a.auth,
      });
      expect(missing.json()).toEqual({ ...other.json(), instance: expect.any(String) });
      expect((await inject({ method: 'GET', url: `/api/users/${a.user.id}` })).statusCode).toBe(
        401,
      );
    });

    it('rejects a malformed body with 400 problem+json naming the field, writing nothing', async () => {
      const name = unique();
      const bad = await inject({
        method: 'POST',
        url: '/api/users/register',
        payload: { username: name, email: 'not-an-email', password },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.headers['content-type']).toContain('application/problem+json');
      expect(bad.json()).toMatchObject({
        status: 400,
        type: '/problems/validation-failed',
        errors: [{ field: 'body.email' }],
      });
      expect(bad.json().detail).toContain('body.email');
      const extra = await inject({
        method: 'POST',
        url: '/api/users/register',
        payload: { username: name, email: `${name}@x.io`, password, role: 'admin' },
      });
      expect(extra.json().errors[0].field).toBe('body.role');
      const weak = await inject({
        method: 'POST',
        url: '/api/users/register',
        payload: { username: name, email: `${name}@x.io`, password: 'short' },
      });
      expect(weak.json().errors[0].field).toBe('body.password');
      expect((await login(name)).statusCode).toBe(401);
    });

    it('refuses a duplicate username or e-mail with 409, whatever the case', async () => {
      const u = await register();
      const sameName = await inject({
        method: 'POST',
        url: '/api/users/register',
        payload: { username: u.username.toUpperCase(), email: `${unique()}@example.com`, password },
      });
      expect(sameName.statusCode).toBe(409);
      expect(sameName.json().type).toBe('/problems/username-taken');
      const sameEmail = await inject({
        method: 'POST',
        url: '/api/users/register',
        payload: { username: unique(), email: u.email.toUpperCase(), password },
      });
      expect(sameEmail.json().type).toBe('/problems/email-taken');
    });

    it('logs in by e-mail and refuses a wrong password', async () => {
      const u = await register();
      expect((await login(u.email.toUpperCase())).statusCode).toBe(200);
      const wrong = await login(u.username, 'wrong password entirely');
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().type).toBe('/problems/unauthorized');
    });

    it('lets a member update their own profile but not someone else’s', async () => {
      const a = await session();
      const b = await session();
      const ok = await inject({
        method: 'PUT',
        url: `/api/users/${a.user.id}`,
        headers: a.auth,
        payload: { full_name: 'A. Person', phone: '+44 20 7946 0958' },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ full_name: 'A. Person', phone: '+44 20 7946 0958' });
      const denied = await inject({
        method: 'PUT',
        url: `/api/users/${b.user.id}`,
        headers: a.auth,
        payload: { full_name: 'hijack' },
      });
      expect(denied.statusCode).toBe(404);
    });

    it('answers an e-mail change the same whether or not the address is taken; the new inbox confirms', async () => {
      const a = await session();
      const b = await register();
      const fresh = `${unique()}@example.com`;
      const change = (email: string) =>
        inject({
          method: 'PUT',
          url: `/api/users/${a.user.id}`,
          headers: a.auth,
          payload: { email, full_name: 'A. Mover' },
        });
      const taken = await change(b.email.toUpperCase());
      const free = await change(fresh);
      for (const res of [taken, free]) {
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toMatchObject({ email: a.user.email, full_name: 'A. Mover' });
      }
      expect(Object.keys(taken.json()).sort()).toEqual(Object.keys(free.json()).sort());
      expect(free.json().pending_email).toBe(fresh);
      expect((await login(fresh)).statusCode).toBe(401); // not yet

      const confirm = (token: string | undefined) =>
        inject({ method: 'POST', url: '/api/users/email-change/confirm', payload: { token } });
      // Whoever reads b's inbox (b) learns that b's address is in use; nobody else does.
      const clash = await confirm(await h.emailChangeToken(b.email));
      expect(clash.statusCode).toBe(409);
      expect(clash.json().type).toBe('/problems/email-taken');
      const token = await h.emailChangeToken(fresh);
      expect((await confirm(token)).statusCode).toBe(204);
      expect((await confirm(token)).statusCode).toBe(400);
      const me = await inject({ method: 'GET', url: `/api/users/${a.user.id}`, headers: a.auth });
      expect(me.json().email).toBe(fresh);
      expect((await login(fresh)).statusCode).toBe(200);
    });

    it('lets an admin set a member’s e-mail at once, and says when it is taken', async () => {
      await h.platform.seed({ demo: false });
      const admin = await login('admin', testAdminPassword);
      expect(admin.statusCode).toBe(200);
      const auth = { authorization: `Bearer ${admin.json().access_token}` };
      const a = await register();
      const b = await register();
      const fresh = `${unique()}@example.com`;
      const set = (email: string) =>
        inject({ method: 'PUT', url: `/api/users/${a.id}`, headers: auth, payload: { email } });
      const ok = await set(fresh);
      expect(ok.statusCode).toBe(200);
      expect(ok.json().email).toBe(fresh);
      expect(ok.json().pending_email).toBeUndefined();
      const taken = await set(b.email);
      expect(taken.statusCode).toBe(409);
      expect(taken.json().type).toBe('/problems/email-taken');
    });

    it('rotates refresh tokens and revokes the family when an old one is reused', async () => {
      const s = await session();
      const first = await inject({
        method: 'POST',
        url: '/api/users/refresh',
        payload: { refresh_token: s.refresh_token },
      });
      expect(first.statusCode).toBe(200);
      const next = first.json<{ refresh_token: string; access_token: string }>();
      expect(next.refresh_token).not.toBe(s.refresh_token);
      const reuse = await inject({
        method: 'POST',
        url: '/api/users/refresh',
        payload: { refresh_token: s.refresh_token },
      });
      expect(reuse.statusCode).toBe(401);
      const afterTheft = await inject({
        method: 'POST',
        url: '/api/users/refresh',
        payload: { refresh_token: next.refresh_token },
      });
      expect(afterTheft.statusCode).toBe(401);
    });

    it('logs out by revoking the refresh token', async () => {
      const s = await session();
      expect(
        (
          await inject({
            method: 'POST',
            url: '/api/users/logout',
            payload: { refresh_token: s.refresh_token },
          })
        ).statusCode,
      ).toBe(204);
      expect(
        (
          await inject({
            method: 'POST',
            url: '/api/users/refresh',
            payload: { refresh_token: s.refresh_token },
          })
        ).statusCode,
      ).toBe(401);
    });

    it('soft-deletes: login fails afterwards and the old token reads nothing', async () => {
      const s = await session();
      expect(
        (await inject({ method: 'DELETE', url: `/api/users/${s.user.id}`, headers: s.auth }))
          .statusCode,
      ).toBe(204);
      expect((await login(s.user.username)).statusCode).toBe(401);
      expect(
        (await inject({ method: 'GET', url: `/api/users/${s.user.id}`, headers: s.auth }))
          .statusCode,
      ).toBe(401); // revoked with the account
      const again = await inject({
        method: 'POST',
        url: '/api/users/register',
        payload: { username: s.user.username, email: `${unique()}@example.com`, password },
      });
      expect(again.statusCode).toBe(409);
    });

    const profile = (id: string, auth: Record<string, string>) =>
      inject({ method: 'GET', url: `/api/users/${id}`, headers: auth });
    const rename = (id: string, auth: Record<string, string>) =>
      inject({
        method: 'PUT',
        url: `/api/users/${id}`,
        headers: auth,
        payload: { full_name: 'N' },
      });
    const signIn = async (username: string, pw = password) => {
      const res = await login(username, pw);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json<{ access_token: string; refresh_token: string }>();
      return { ...body, auth: { authorization: `Bearer ${body.access_token}` } };
    };

    it('refuses a deleted account’s access token at once, on reads and writes', async () => {
      const s = await session();
      expect((await profile(s.user.id, s.auth)).statusCode).toBe(200);
      const del = await inject({
        method: 'DELETE',
        url: `/api/users/${s.user.id}`,
        headers: s.auth,
      });
      expect(del.statusCode).toBe(204);
      const read = await profile(s.user.id, s.auth);
      expect(read.statusCode).toBe(401);
      expect(read.json().detail).toMatch(/revoked/);
      expect((await rename(s.user.id, s.auth)).statusCode).toBe(401);
    });

    it('signs out everywhere: every session’s tokens stop at once, a new sign-in works', async () => {
      const s1 = await session();
      const s2 = await signIn(s1.user.username);
      const out = await inject({
        method: 'POST',
        url: `/api/users/${s1.user.id}/logout-all`,
        headers: s1.auth,
      });
      expect(out.statusCode).toBe(204);
      for (const auth of [s1.auth, s2.auth]) {
        expect((await profile(s1.user.id, auth)).statusCode).toBe(401);
        expect((await rename(s1.user.id, auth)).statusCode).toBe(401);
      }
      const refresh = await inject({
        method: 'POST',
        url: '/api/users/refresh',
        payload: { refresh_token: s2.refresh_token },
      });
      expect(refresh.statusCode).toBe(401);
      // At once, in the same second as the sign-out: tokens carry their issue time in ms.
      const again = await signIn(s1.user.username);
      expect((await rename(s1.user.id, again.auth)).statusCode).toBe(200);
      const other = await session();
      const denied = await inject({
        method: 'POST',
        url: `/api/users/${other.user.id}/logout-all`,
        headers: again.auth,
      });
      expect(denied.statusCode).toBe(404);
      expect((await profile(other.user.id, other.auth)).statusCode).toBe(200);
    });

    it('signs one session out: its access token stops, the other session goes on', async () => {
      const s1 = await session();
      const s2 = await signIn(s1.user.username);
      const out = await inject({
        method: 'POST',
        url: '/api/users/logout',
        payload: { refresh_token: s1.refresh_token },
      });
      expect(out.statusCode).toBe(204);
      expect((await rename(s1.user.id, s1.auth)).statusCode).toBe(401);
      expect((await rename(s1.user.id, s2.auth)).statusCode).toBe(200);
    });

    it('revokes access tokens issued before a password reset', async () => {
      const s = await session();
      await inject({
        method: 'POST',
        url: '/api/users/password-reset',
        payload: { email: s.user.email },
      });
      const token = await h.resetToken(s.user.email);
      const newPassword = 'a different long passphrase';
      const confirm = await inject({
        method: 'POST',
        url: '/api/users/password-reset/confirm',
        payload: { token, new_password: newPassword },
      });
      expect(confirm.statusCode).toBe(204);
      expect((await rename(s.user.id, s.auth)).statusCode).toBe(401);
      const fresh = await signIn(s.user.username, newPassword);
      expect((await rename(s.user.id, fresh.auth)).statusCode).toBe(200);
    });

    it('resets a password with a single-use token and says nothing about unknown e-mails', async () => {
      const u = await register();
      const unknown = await inject({
        method: 'POST',
        url: '/api/users/password-reset',
        payload: { email: `${unique()}@example.com` },
      });
      expect(unknown.statusCode).toBe(202);
      expect(
        (
          await inject({
            method: 'POST',
            url: '/api/users/password-reset',
            payload: { email: u.email },
          })
        ).statusCode,
      ).toBe(202);
      const token = await h.resetToken(u.email);
      expect(token).toBeDefined();
      const newPassword = 'an entirely new passphrase';
      const confirm = () =>
        inject({
          method: 'POST',
          url: '/api/users/password-reset/confirm',
          payload: { token, new_password: newPassword },
        });
      expect((await confirm()).statusCode).toBe(204);
      expect((await confirm()).statusCode).toBe(400);
      expect((await login(u.username)).statusCode).toBe(401);
      expect((await login(u.username, newPassword)).statusCode).toBe(200);
    });

    it('publishes a reset without its token; each delivery mints a new one, for services only', async () => {
      const s = await session();
      await inject({
        method: 'POST',
        url: '/api/users/password-reset',
        payload: { email: s.user.email },
      });
      const { rows } = await h.platform.db.query<{ event: { data: Record<string, unknown> } }>(
        `SELECT event FROM kernel.outbox WHERE topic = 'identity'
           AND event->>'type' = 'password_reset_requested' AND event->'data'->>'member_id' = $1`,
        [s.user.id],
      );
      expect(rows).toHaveLength(1);
      const data = rows[0]!.event.data;
      expect(Object.keys(data).sort()).toEqual(['expires_at', 'member_id', 'request_id']);
      const delivery = `/api/users/password-reset/${String(data['request_id'])}/delivery`;
      // A member (even the owner) or no token may not mint the mail's token.
      expect((await inject({ method: 'POST', url: delivery, headers: s.auth })).statusCode).toBe(
        403,
      );
      expect((await inject({ method: 'POST', url: delivery })).statusCode).toBe(401);
      const first = await h.resetToken(s.user.email);
      const second = await h.resetToken(s.user.email);
      expect(second).not.toBe(first);
      const confirm = (token: string | undefined) =>
        inject({
          method: 'POST',
          url: '/api/users/password-reset/confirm',
          payload: { token, new_password: 'the newest link wins here' },
        });
      expect((await confirm(first)).statusCode).toBe(400); // replaced by the second mail
      expect((await confirm(second)).statusCode).toBe(204);
      expect(await h.resetToken(s.user.email)).toBeUndefined(); // used: 410, nothing to send
    });

    it('throttles repeated logins to one account with 429 and Retry-After', async () => {
      const u = await register();
      const codes: number[] = [];
      for (let i = 0; i < 7; i++)
        codes.push((await login(u.username, 'wrong password entirely')).statusCode);
      expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      const refused = await login(u.username);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('replays a register with the same Idempotency-Key and refuses a different body', async () => {
      const name = unique();
      const payload = { username: name, email: `${name}@example.com`, password };
      const key = { 'idempotency-key': randomUUID() };
      const first = await inject({
        method: 'POST',
        url: '/api/users/register',
        headers: key,
        payload,
      });
      const second = await inject({
        method: 'POST',
        url: '/api/users/register',
        headers: key,
        payload,
      });
      expect(second.statusCode).toBe(201);
      expect(second.json().id).toBe(first.json().id);
      expect(second.headers['idempotent-replayed']).toBe('true');
      const changed = await inject({
        method: 'POST',
        url: '/api/users/register',
        headers: key,
        payload: { ...payload, username: unique() },
      });
      expect(changed.statusCode).toBe(422);
    });

    it('publishes its signing key and counts requests in /metrics', async () => {
      const jwks = await inject({ method: 'GET', url: '/.well-known/jwks.json' });
      expect(jwks.json().keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
      expect(jwks.body).not.toContain('"d"');
      const metrics = (await inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(
        /http_requests_total\{method="POST",route="\/api\/users\/register",status_code="201"\} [1-9]/,
      );
      expect(metrics).toMatch(
        /http_requests_total\{method="GET",route="\/api\/users\/:id",status_code="404"\} [1-9]/,
      );
    });
  });
}
