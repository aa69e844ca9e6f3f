import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '@redemption/kernel';

/**
 * The refresh token in an httpOnly cookie, for browsers (decision 013).
 * A client asks for it with `X-Refresh-Cookie: 1` on login, refresh and logout; then the
 * token never appears in a response body, so no script on the page can read it. Clients that
 * do not ask (curl, apps, services) keep the JSON body exactly as before.
 *
 * - HttpOnly: not readable by scripts. SameSite=Strict: never sent on a cross-site request
 *   (no CSRF on refresh/logout), and the custom header forces a CORS preflight anyway.
 * - Path=/api/users: only identity's routes receive it, not every API call.
 * - Secure whenever the request came over https (behind a proxy: with TRUST_PROXY).
 */
export const refreshCookieName = 'redemption_refresh';
const refreshCookiePath = '/api/users';
const opaqueTokenPattern = /^[A-Za-z0-9_-]{16,512}$/;

export const wantsRefreshCookie = (req: FastifyRequest): boolean =>
  req.headers['x-refresh-cookie'] === '1';

/** The cookie's value, when it is there and shaped like a token (anything else is ignored). */
export function readRefreshCookie(req: FastifyRequest): string | undefined {
  for (const part of String(req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name !== refreshCookieName) continue;
    const value = rest.join('=');
    return opaqueTokenPattern.test(value) ? value : undefined;
  }
  return undefined;
}

function cookie(req: FastifyRequest, value: string, maxAgeS: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `${refreshCookieName}=${value}; Path=${refreshCookiePath}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${secure}`;
}

export function setRefreshCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  token: string,
  maxAgeS: number,
): void {
  reply.header('set-cookie', cookie(req, token, maxAgeS));
}

export function clearRefreshCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', cookie(req, '', 0));
}

/** The body's token, else (when the client asked for cookies) the cookie's. */
export const refreshTokenOrNone = (
  req: FastifyRequest,
  body: { refresh_token?: string | undefined },
): string | undefined =>
  body.refresh_token ?? (wantsRefreshCookie(req) ? readRefreshCookie(req) : undefined);

/** As refreshTokenOrNone, but 400 naming the field when there is neither. */
export function refreshTokenOf(
  req: FastifyRequest,
  body: { refresh_token?: string | undefined },
): string {
  const token = refreshTokenOrNone(req, body);
  if (!token)
    throw badRequest(
      'body.refresh_token is required (or the refresh cookie, with X-Refresh-Cookie: 1)',
      'body.refresh_token',
    );
  return token;
}

/**
 * Moves a new refresh token from the body into the cookie when the client asked for it.
 * Returns the body to send (without `refresh_token` in cookie mode).
 */
export function deliverRefreshToken<T extends { refresh_token: string }>(
  req: FastifyRequest,
  reply: FastifyReply,
  body: T,
  maxAgeS: number,
): Omit<T, 'refresh_token'> & { refresh_token?: string } {
  if (!wantsRefreshCookie(req)) return body;
  setRefreshCookie(req, reply, body.refresh_token, maxAgeS);
  const { refresh_token: _hidden, ...rest } = body;
  return rest;
}
