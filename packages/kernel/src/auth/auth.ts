import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { forbidden, notFound, ProblemError, unauthorized } from '../errors/problem.ts';
import { sessionSubject, userSubject, type TokenRevocations } from './token-revocations.ts';

/** `service` is another service of the platform calling with an internal token (service-tokens.ts). */
export const roles = ['member', 'admin', 'service'] as const;
export type Role = (typeof roles)[number];

/** Admins and internal services may act for any member. */
export const isPrivileged = (p: Principal): boolean => p.role === 'admin' || p.role === 'service';

export interface Principal {
  id: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /**
     * `always`: check the access token against revocation markers on reads too (writes always
     * are). For routes that show personal data, such as a profile.
     */
    revocationCheck?: 'always';
  }
}

/** What a verified token says beyond the principal, for the revocation check. */
export interface VerifiedToken extends Principal {
  /** When identity issued it, in ms (`iat`, which identity writes with millisecond precision). */
  issuedAtMs?: number;
  /** The sign-in session it belongs to (`sid`: the refresh-token family). */
  sessionId?: string;
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Local key set (identity itself, standalone) or remote JWKS (distributed mode). */
  keys: JWTVerifyGetKey;
  /** Verifies service-to-service tokens (HS256, shared secret); absent: none accepted. */
  internal?: TokenVerifier;
}

export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

/** The `aud` of every access token identity issues and every service accepts. */
export const accessTokenAudience = 'redemption-api';
const clockToleranceS = 5;
const bearerMaxLength = 4096;

export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  return async (token) => {
    if (opts.internal && decodeProtectedHeader(token).alg === 'HS256') return opts.internal(token);
    const { payload } = await jwtVerify(token, opts.keys, {
      issuer: opts.issuer,
      audience: opts.audience,
      algorithms: ['EdDSA'],
      clockTolerance: clockToleranceS,
    });
    const role = payload['role'];
    // Identity issues member and admin tokens only; `service` comes from the internal verifier.
    if (typeof payload.sub !== 'string' || (role !== 'member' && role !== 'admin'))
      throw new Error('token lacks sub or role');
    const sid = payload['sid'];
    return {
      id: payload.sub,
      role: role as Role,
      ...(typeof payload.iat === 'number' ? { issuedAtMs: payload.iat * 1000 } : {}),
      ...(typeof sid === 'string' ? { sessionId: sid } : {}),
    };
  };
}

export interface AuthOptions {
  /** Revocation markers (token-revocations.ts); absent: tokens live until they expire. */
  revocations?: TokenRevocations;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Verifies the bearer token on every `/api/*` route unless the route says `config.public`.
 * A public route still gets `req.principal` when a valid token is sent. Writes (and routes with
 * `config.revocationCheck: 'always'`) also refuse a token revoked since it was issued.
 */
export function registerAuth(
  app: FastifyInstance,
  verify: TokenVerifier,
  options: AuthOptions = {},
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    // The matched route template, not the raw URL: the router percent-decodes paths, so
    // `/%61pi/x` reaches the `/api/x` route while its raw URL does not start with `/api/`.
    const isApi = req.routeOptions.url?.startsWith('/api/') ?? false;
    const isPublic = req.routeOptions.config?.public === true || !req.routeOptions.url;
    const refuse = (detail?: string) => {
      if (isApi && !isPublic) throw unauthorized(detail);
    };
    const header = req.headers.authorization;
    if (!header) return refuse();
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    if (!match?.[1] || match[1].length > bearerMaxLength)
      return refuse('Authorization header must be "Bearer <token>"');
    let token: VerifiedToken;
    try {
      token = await verify(match[1]);
    } catch {
      return refuse('The bearer token is invalid or expired');
    }
    const mustCheck =
      !safeMethods.has(req.method) || req.routeOptions.config?.revocationCheck === 'always';
    if (options.revocations && mustCheck && (await isRevoked(options.revocations, token)))
      return refuse('The bearer token was revoked (signed out, password reset or account closed)');
    req.principal = { id: token.id, role: token.role };
  });
}

/** Service tokens have no session to revoke; a token without `iat` counts as issued long ago. */
async function isRevoked(revocations: TokenRevocations, token: VerifiedToken): Promise<boolean> {
  if (token.role === 'service') return false;
  const subjects = [userSubject(token.id)];
  if (token.sessionId) subjects.push(sessionSubject(token.sessionId));
  let revokedBeforeMs: number | undefined;
  try {
    revokedBeforeMs = await revocations.revokedBeforeMs(subjects);
  } catch {
    // Fail closed, but as "try again", not as a bug: the store (Redis) is down for a moment.
    throw new ProblemError(
      503,
      'unavailable',
      'Service unavailable',
      'Try again shortly',
      {},
      {
        'retry-after': '1',
      },
    );
  }
  if (revokedBeforeMs === undefined) return false;
  return token.issuedAtMs === undefined || token.issuedAtMs <= revokedBeforeMs;
}

export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

export function requireAdmin(req: FastifyRequest): Principal {
  const p = requirePrincipal(req);
  if (!isPrivileged(p)) throw forbidden('This needs the admin role');
  return p;
}

/** The member themself or an admin; anyone else gets 404 so ids of others do not leak. */
export function requireSelfOrAdmin(
  req: FastifyRequest,
  memberId: string,
  what = 'user',
): Principal {
  const p = requirePrincipal(req);
  if (!isPrivileged(p) && p.id !== memberId) throw notFound(what);
  return p;
}
