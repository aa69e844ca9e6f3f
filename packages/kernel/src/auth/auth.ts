import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decodeProtectedHeader, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { forbidden, notFound, unauthorized } from '../errors/problem.ts';

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
}

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Local key set (identity itself, standalone) or remote JWKS (distributed mode). */
  keys: JWTVerifyGetKey;
  /** Verifies service-to-service tokens (HS256, shared secret); absent: none accepted. */
  internal?: TokenVerifier;
}

export type TokenVerifier = (token: string) => Promise<Principal>;

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
    return { id: payload.sub, role: role as Role };
  };
}

/**
 * Verifies the bearer token on every `/api/*` route unless the route says `config.public`.
 * A public route still gets `req.principal` when a valid token is sent.
 */
export function registerAuth(app: FastifyInstance, verify: TokenVerifier): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    // The matched route template, not the raw URL: the router percent-decodes paths, so
    // `/%61pi/x` reaches the `/api/x` route while its raw URL does not start with `/api/`.
    const isApi = req.routeOptions.url?.startsWith('/api/') ?? false;
    const isPublic = req.routeOptions.config?.public === true || !req.routeOptions.url;
    const header = req.headers.authorization;
    if (!header) {
      if (isApi && !isPublic) throw unauthorized();
      return;
    }
    const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header);
    if (!match?.[1] || match[1].length > bearerMaxLength) {
      if (isApi && !isPublic) throw unauthorized('Authorization header must be "Bearer <token>"');
      return;
    }
    try {
      req.principal = await verify(match[1]);
    } catch {
      if (isApi && !isPublic) throw unauthorized('The bearer token is invalid or expired');
    }
  });
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
