import { publicApi } from '../api/public-client.ts';
import { ApiError, toProblem } from '../api/problem.ts';

export type Role = 'member' | 'admin';
export interface SessionUser {
  id: string;
  role: Role;
}
export interface SessionState {
  status: 'loading' | 'signed-out' | 'signed-in';
  user: SessionUser | null;
}

/** Refresh this long before the access token expires, so requests never meet an expired one. */
const refreshAheadMs = 60_000;
const refreshDelayMinMs = 5_000;
const lockName = 'redemption-session-refresh';
const channelName = 'redemption-session';
/** Asks identity to keep the refresh token in an httpOnly cookie (decision 013). */
const cookieHeader = { 'x-refresh-cookie': '1' } as const;

/**
 * The signed-in member, held in memory only: the access token lives in this module (never in
 * localStorage, where any injected script could read it), the refresh token in an httpOnly,
 * SameSite=Strict cookie scoped to /api/users that scripts cannot read at all. A reload asks
 * identity for a new access token with that cookie.
 */
let accessToken: string | null = null;
let state: SessionState = { status: 'loading', user: null };
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(channelName) : null;

function set(next: SessionState): void {
  state = next;
  for (const l of listeners) l();
}

export const session = {
  get: (): SessionState => state,
  token: (): string | null => accessToken,
  subscribe(l: () => void): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

/** The JWT's claims; the signature is the server's business, the page only needs sub and role. */
function claimsOf(token: string): SessionUser {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  const claims = JSON.parse(json) as { sub: string; role: Role };
  return { id: claims.sub, role: claims.role };
}

function adopt(token: string, expiresInS: number): void {
  accessToken = token;
  clearTimeout(refreshTimer);
  const delay = Math.max(refreshDelayMinMs, expiresInS * 1000 - refreshAheadMs);
  refreshTimer = setTimeout(() => void refresh(), delay);
  set({ status: 'signed-in', user: claimsOf(token) });
}

function forget(): void {
  accessToken = null;
  clearTimeout(refreshTimer);
  set({ status: 'signed-out', user: null });
}

/** Serializes refreshes across tabs: two tabs spending one rotating token would revoke it. */
function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? (locks.request(lockName, fn) as Promise<T>) : fn();
}

let inflight: Promise<boolean> | null = null;

/** New access token from the refresh cookie; false (and signed out) when there is none. */
export function refresh(): Promise<boolean> {
  inflight ??= withLock(async () => {
    const { data, response } = await publicApi.POST('/api/users/refresh', {
      headers: cookieHeader,
      body: {},
    });
    if (data) adopt(data.access_token, data.expires_in);
    else if (response.status === 400 || response.status === 401) forget();
    else if (state.status === 'loading') forget();
    return Boolean(data);
  })
    .catch(() => {
      if (state.status === 'loading') forget();
      return false;
    })
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

export async function signIn(username: string, password: string): Promise<SessionUser> {
  const { data, error, response } = await publicApi.POST('/api/users/login', {
    headers: cookieHeader,
    body: { username, password },
  });
  if (!data) throw new ApiError(toProblem(error, response.status), retryAfter(response));
  adopt(data.access_token, data.expires_in);
  channel?.postMessage('signed-in');
  return claimsOf(data.access_token);
}

/** Ends this browser's session (its refresh family); other devices stay signed in. */
export async function signOut(): Promise<void> {
  await publicApi.POST('/api/users/logout', { headers: cookieHeader, body: {} }).catch(() => {});
  forget();
  channel?.postMessage('signed-out');
}

/** Revokes every session of the member (refresh and access tokens), then signs out here. */
export async function signOutEverywhere(): Promise<void> {
  const token = accessToken;
  const user = state.user;
  if (token && user) {
    const { error, response } = await publicApi.POST('/api/users/{id}/logout-all', {
      params: { path: { id: user.id } },
      headers: { authorization: `Bearer ${token}` },
    });
    if (error || !response.ok) throw new ApiError(toProblem(error, response.status));
  }
  await signOut();
}

export const retryAfter = (res: Response): number | undefined => {
  const v = Number(res.headers.get('retry-after'));
  return Number.isFinite(v) && v > 0 ? v : undefined;
};

/** Other tabs follow: signing out in one signs out all; signing in picks up the new cookie. */
channel?.addEventListener('message', (e: MessageEvent) => {
  if (e.data === 'signed-out') forget();
  if (e.data === 'signed-in' && state.status !== 'signed-in') void refresh();
});

/** At start: a reload keeps the member signed in when the refresh cookie is still good. */
export const restoreSession = (): Promise<boolean> => refresh();

/** Tests only: a known state without a server. */
export function setSessionForTest(next: SessionState, token: string | null = null): void {
  accessToken = token;
  set(next);
}
