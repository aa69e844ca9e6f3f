// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** An access token as far as the page cares: only the claims are read, never the signature. */
const token = (sub: string, n: number) =>
  `h.${btoa(JSON.stringify({ sub, role: 'member', n })).replace(/=+$/, '')}.sig`;

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
  cookieMode: string | null;
}
let seen: Seen[];
/** What the fake server answers; a test sets it. */
let serve: (s: Seen) => Response | Promise<Response>;

beforeEach(() => {
  vi.resetModules();
  seen = [];
  vi.stubGlobal('fetch', async (input: Request) => {
    const s = {
      method: input.method,
      path: new URL(input.url).pathname,
      authorization: input.headers.get('authorization'),
      cookieMode: input.headers.get('x-refresh-cookie'),
    };
    seen.push(s);
    return serve(s);
  });
});
afterEach(() => vi.unstubAllGlobals());

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const problem = (status: number) => json(status, { type: '/problems/x', title: 'x', status });

/** A server whose access tokens expire until one refresh hands out `fresh`. */
function expiringServer(fresh: string, refreshOk = true) {
  return async (s: Seen): Promise<Response> => {
    if (s.path === '/api/users/refresh') {
      await new Promise((r) => setTimeout(r, 20)); // a slow refresh: callers pile up meanwhile
      return refreshOk
        ? json(200, { access_token: fresh, token_type: 'Bearer', expires_in: 900 })
        : problem(401);
    }
    return s.authorization === `Bearer ${fresh}` ? json(200, { ok: true }) : problem(401);
  };
}

/** The modules fresh, so openapi-fetch picks up the stubbed fetch. */
async function load() {
  const session = await import('../auth/session.ts');
  const client = await import('./client.ts');
  return { ...session, ...client };
}
const member = { status: 'signed-in' as const, user: { id: 'u1', role: 'member' as const } };
const getUser = (api: Awaited<ReturnType<typeof load>>['api']) =>
  api.GET('/api/users/{id}', { params: { path: { id: 'u1' } } });

describe('API client: the access token in memory and silent refresh', () => {
  it('sends the in-memory token; on a 401 refreshes once from the cookie and repeats the call', async () => {
    const { api, setSessionForTest, session } = await load();
    const fresh = token('u1', 2);
    setSessionForTest(member, token('u1', 1));
    serve = expiringServer(fresh);
    const res = await getUser(api);
    expect(res.response.status).toBe(200);
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'GET /api/users/u1',
      'POST /api/users/refresh',
      'GET /api/users/u1',
    ]);
    // The refresh sends the cookie (the header asks identity to use it), never a token.
    expect(seen[1]).toMatchObject({ authorization: null, cookieMode: '1' });
    expect(seen[2]!.authorization).toBe(`Bearer ${fresh}`);
    expect(session.token()).toBe(fresh);
  });

  it('a refused refresh signs out and the 401 reaches the caller as is', async () => {
    const { api, setSessionForTest, session } = await load();
    setSessionForTest(member, token('u1', 1));
    serve = expiringServer(token('u1', 2), false);
    const res = await getUser(api);
    expect(res.response.status).toBe(401);
    expect(session.get().status).toBe('signed-out');
    expect(session.token()).toBeNull();
  });

  it('calls failing together share one refresh (a rotating token is spent once)', async () => {
    const { api, setSessionForTest } = await load();
    setSessionForTest(member, token('u1', 1));
    serve = expiringServer(token('u1', 2));
    const results = await Promise.all([getUser(api), getUser(api), getUser(api)]);
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200]);
    expect(seen.filter((s) => s.path === '/api/users/refresh')).toHaveLength(1);
  });

  it('a 401 that comes back after another call refreshed is retried with the new token, no second refresh', async () => {
    const { api, setSessionForTest } = await load();
    setSessionForTest(member, token('u1', 1));
    const fresh = token('u1', 2);
    const base = expiringServer(fresh);
    let slowOnce = true;
    serve = async (s) => {
      // The first call's 401 is slow: it arrives after the second call's refresh is done.
      if (s.path === '/api/users/u1' && slowOnce) {
        slowOnce = false;
        await new Promise((r) => setTimeout(r, 100));
      }
      return base(s);
    };
    const results = await Promise.all([getUser(api), getUser(api)]);
    expect(results.map((r) => r.response.status)).toEqual([200, 200]);
    expect(seen.filter((s) => s.path === '/api/users/refresh')).toHaveLength(1);
  });

  it('a reload restores the session from the cookie, with the claims of the new token', async () => {
    const { restoreSession, session } = await load();
    serve = expiringServer(token('u4', 1));
    expect(await restoreSession()).toBe(true);
    expect(session.get()).toEqual({ status: 'signed-in', user: { id: 'u4', role: 'member' } });
  });

  it('without a cookie the page is signed out, not stuck loading', async () => {
    const { restoreSession, session } = await load();
    serve = () => problem(400);
    expect(await restoreSession()).toBe(false);
    expect(session.get().status).toBe('signed-out');
  });
});
