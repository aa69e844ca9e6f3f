import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIdentity, type Harness } from '../testing/identity-harness.ts';

const adminPassword = 'admin password for the tests';
const password = 'a long enough passphrase';
const json = { 'content-type': 'application/json' };
const cookieMode = { ...json, 'x-refresh-cookie': '1' };
let h: Harness;

beforeAll(async () => {
  h = await startIdentity({ env: { ADMIN_PASSWORD: adminPassword, TRUST_PROXY: 'true' } });
  await h.platform.seed({ demo: false });
});
afterAll(async () => h?.close());

const post = (url: string, body: unknown, headers: Record<string, string> = json) =>
  h.platform.app.inject({ method: 'POST', url, headers, payload: JSON.stringify(body) });

async function register(username: string, email = `${username}@example.com`): Promise<void> {
  const res = await post('/api/users/register', { username, email, password });
  expect(res.statusCode).toBe(201);
}

/** The refresh cookie's value and attributes from a Set-Cookie header. */
function refreshCookie(setCookie: unknown): { value: string; attrs: string } {
  const line = String(setCookie ?? '');
  const m = /^redemption_refresh=([^;]*);(.*)$/.exec(line);
  expect(m, line).not.toBeNull();
  return { value: m![1]!, attrs: m![2]! };
}

describe('refresh token in an httpOnly cookie (X-Refresh-Cookie: 1)', () => {
  it('without the header, login answers as before: the refresh token in the body, no cookie', async () => {
    await register('plainclient');
    const res = await post('/api/users/login', { username: 'plainclient', password });
    expect(res.statusCode).toBe(200);
    expect(res.json().refresh_token).toEqual(expect.any(String));
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('with it, login sets an httpOnly, SameSite=Strict cookie on /api/users and keeps the token out of the body', async () => {
    await register('cookieclient');
    const res = await post('/api/users/login', { username: 'cookieclient', password }, cookieMode);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.access_token).toEqual(expect.any(String));
    expect(body).not.toHaveProperty('refresh_token');
    const c = refreshCookie(res.headers['set-cookie']);
    expect(c.value.length).toBeGreaterThanOrEqual(16);
    expect(c.attrs).toContain('HttpOnly');
    expect(c.attrs).toContain('SameSite=Strict');
    expect(c.attrs).toContain('Path=/api/users');
    expect(c.attrs).toContain('Max-Age=2592000');
    expect(c.attrs).not.toContain('Secure'); // plain http (localhost)
    const https = await post(
      '/api/users/login',
      { username: 'cookieclient', password },
      { ...cookieMode, 'x-forwarded-proto': 'https' },
    );
    expect(refreshCookie(https.headers['set-cookie']).attrs).toContain('Secure');
  });

  it('refresh reads the cookie, rotates it, and a reused (spent) cookie is refused', async () => {
    await register('rotator');
    const login = await post('/api/users/login', { username: 'rotator', password }, cookieMode);
    const first = refreshCookie(login.headers['set-cookie']).value;
    const withCookie = (v: string) => ({
      ...cookieMode,
      cookie: `other=1; redemption_refresh=${v}`,
    });
    const res = await post('/api/users/refresh', {}, withCookie(first));
    expect(res.statusCode).toBe(200);
    expect(res.json().access_token).toEqual(expect.any(String));
    expect(res.json()).not.toHaveProperty('refresh_token');
    const second = refreshCookie(res.headers['set-cookie']).value;
    expect(second).not.toBe(first);
    expect((await post('/api/users/refresh', {}, withCookie(first))).statusCode).toBe(401);
    // Reuse revoked the whole family: the newer cookie is dead too.
    expect((await post('/api/users/refresh', {}, withCookie(second))).statusCode).toBe(401);
  });

  it('refresh without a token (body or cookie with the header) is a 400 naming the field', async () => {
    const none = await post('/api/users/refresh', {});
    expect(none.statusCode).toBe(400);
    expect(none.json().errors).toEqual([
      { field: 'body.refresh_token', message: expect.any(String) },
    ]);
    // A cookie alone is not enough: without the header a cross-site form could spend it.
    await register('noheader');
    const login = await post('/api/users/login', { username: 'noheader', password }, cookieMode);
    const value = refreshCookie(login.headers['set-cookie']).value;
    const res = await post(
      '/api/users/refresh',
      {},
      { ...json, cookie: `redemption_refresh=${value}` },
    );
    expect(res.statusCode).toBe(400);
    expect((await post('/api/users/refresh', {}, cookieMode)).statusCode).toBe(400);
  });

  it('logout revokes the cookie session and clears the cookie; with no cookie left it still clears', async () => {
    await register('leaver');
    const login = await post('/api/users/login', { username: 'leaver', password }, cookieMode);
    const value = refreshCookie(login.headers['set-cookie']).value;
    const headers = { ...cookieMode, cookie: `redemption_refresh=${value}` };
    const out = await post('/api/users/logout', {}, headers);
    expect(out.statusCode).toBe(204);
    const cleared = refreshCookie(out.headers['set-cookie']);
    expect(cleared.value).toBe('');
    expect(cleared.attrs).toContain('Max-Age=0');
    expect((await post('/api/users/refresh', {}, headers)).statusCode).toBe(401);
    expect((await post('/api/users/logout', {}, cookieMode)).statusCode).toBe(204);
    expect((await post('/api/users/logout', {})).statusCode).toBe(400);
  });
});

describe('GET /api/users (admin list)', () => {
  let admin: string;
  let member: string;
  beforeAll(async () => {
    const a = await post('/api/users/login', { username: 'admin', password: adminPassword });
    admin = `Bearer ${a.json().access_token}`;
    await register('listed_one', 'Listed.One@Example.com');
    await register('listed_two', 'two@listed.example');
    await register('pct_user', 'pct%x@example.com');
    const m = await post('/api/users/login', { username: 'listed_one', password });
    member = `Bearer ${m.json().access_token}`;
  });
  const list = (query: string, authorization = admin) =>
    h.platform.app.inject({ method: 'GET', url: `/api/users${query}`, headers: { authorization } });

  it('refuses members (403) and anonymous callers (401)', async () => {
    expect((await list('', member)).statusCode).toBe(403);
    expect((await h.platform.app.inject({ method: 'GET', url: '/api/users' })).statusCode).toBe(
      401,
    );
  });

  it('finds users by part of a username or e-mail, any case, newest first, with a cursor', async () => {
    const found = (await list('?q=LISTED')).json();
    expect(found.items.map((u: { username: string }) => u.username)).toEqual([
      'listed_two',
      'listed_one',
    ]);
    expect(found.items[0]).not.toHaveProperty('password_hash');
    const page1 = (await list('?q=listed&limit=1')).json();
    expect(page1.items).toHaveLength(1);
    const page2 = (await list(`?q=listed&limit=1&cursor=${page1.next_cursor}`)).json();
    expect(page2).toMatchObject({ items: [{ username: 'listed_one' }], next_cursor: null });
    // LIKE wildcards in q are literal characters.
    expect(
      (await list('?q=%25')).json().items.map((u: { username: string }) => u.username),
    ).toEqual(['pct_user']);
  });

  it('refuses a bad limit or cursor with 400 naming the field', async () => {
    const bad = await list('?limit=101');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('limit');
    expect((await list('?cursor=nope')).statusCode).toBe(400);
  });
});
