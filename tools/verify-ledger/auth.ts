import { call, type Reply } from './http.ts';

export interface User {
  id: string;
  username: string;
  password: string;
  role: 'admin' | 'member';
  /** Access token (15 min); replaced in place by refresh or re-login. */
  token: string;
  refreshToken: string;
  /** Access token lifetime identity announced at login (`expires_in`). */
  expiresInS: number;
}

export const memberPassword = 'verify-ledger passphrase 2026';
const registerConcurrency = 4;
/** Tokens are refreshed after this share of their lifetime (15 min by default), well before expiry. */
const refreshAtLifetimeShare = 0.5;
const refreshEveryMinMs = 10_000;

function expect2xx(r: Reply, what: string): Record<string, unknown> {
  if (r.status < 200 || r.status > 299 || !r.body)
    throw new Error(`${what}: ${r.status} ${r.error ?? JSON.stringify(r.body)}`);
  return r.body;
}

export async function login(identityUrl: string, username: string, password: string) {
  const body = expect2xx(
    await call(identityUrl, 'POST', '/api/users/login', { body: { username, password } }),
    `login ${username}`,
  );
  const user = body['user'] as { id: string; role: 'admin' | 'member' };
  return {
    id: user.id,
    username,
    password,
    role: user.role,
    token: body['access_token'] as string,
    refreshToken: body['refresh_token'] as string,
    expiresInS: Number(body['expires_in']),
  } satisfies User;
}

/** Registers `count` members through identity (a few at a time: argon2 is CPU-bound) and logs them in. */
export async function registerMembers(identityUrl: string, count: number): Promise<User[]> {
  const users: User[] = [];
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const n = next++;
      const username = `vl_member_${n}`;
      expect2xx(
        await call(identityUrl, 'POST', '/api/users/register', {
          body: { username, email: `${username}@verify.example`, password: memberPassword },
        }),
        `register ${username}`,
      );
      users[n] = await login(identityUrl, username, memberPassword);
    }
  }
  await Promise.all(Array.from({ length: registerConcurrency }, worker));
  return users;
}

export interface Auth {
  /** A fresh access token for `u` (after a 401); one re-login per user at a time. */
  reauth(u: User): Promise<void>;
  stop(): void;
  /** Tokens rotated through /api/users/refresh, and re-logins (after a 401 or a failed refresh). */
  counts(): { refreshed: number; relogins: number };
}

/** Keeps every user's token fresh: rotates refresh tokens periodically, re-logs in on failure. */
export function keepTokensFresh(identityUrl: string, users: readonly User[]): Auth {
  const pending = new Map<string, Promise<void>>();
  const once = (u: User, fn: () => Promise<void>): Promise<void> => {
    const running = pending.get(u.id);
    if (running) return running;
    const p = fn().finally(() => pending.delete(u.id));
    pending.set(u.id, p);
    return p;
  };
  const counts = { refreshed: 0, relogins: 0 };
  const relogin = async (u: User): Promise<void> => {
    counts.relogins++;
    const fresh = await login(identityUrl, u.username, u.password);
    u.token = fresh.token;
    u.refreshToken = fresh.refreshToken;
  };
  const refresh = async (u: User): Promise<void> => {
    const r = await call(identityUrl, 'POST', '/api/users/refresh', {
      body: { refresh_token: u.refreshToken },
    });
    if (r.status !== 200 || !r.body) return relogin(u);
    u.token = r.body['access_token'] as string;
    u.refreshToken = r.body['refresh_token'] as string;
    counts.refreshed++;
  };
  const lifetimeS = Math.min(...users.map((u) => u.expiresInS));
  const refreshEveryMs = Math.max(refreshEveryMinMs, lifetimeS * 1000 * refreshAtLifetimeShare);
  const timer = setInterval(() => {
    void (async () => {
      for (const u of users) await once(u, () => refresh(u)).catch(() => undefined);
    })();
  }, refreshEveryMs);
  timer.unref();
  return {
    reauth: (u) => once(u, () => relogin(u)),
    stop: () => clearInterval(timer),
    counts: () => ({ ...counts }),
  };
}
