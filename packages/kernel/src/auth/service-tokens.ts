import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Principal, TokenVerifier } from './auth.ts';

/** Audience of service-to-service tokens; identity's member tokens never carry it. */
export const internalTokenAudience = 'redemption-internal';
const internalIssuer = 'redemption-internal';
const tokenTtlS = 600;
/** Re-sign this long before expiry so a token never expires in flight. */
const refreshBeforeS = 120;
const secretMinLength = 32;

export interface ServiceTokens {
  /** A bearer token for calls made by `service` (cached, re-signed before it expires). */
  token(service: string): Promise<string>;
  verify: TokenVerifier;
}

/**
 * Internal tokens: HS256 with a secret every process of a deployment shares
 * (INTERNAL_TOKEN_SECRET). They carry role `service`, which may act for any member.
 */
export function createServiceTokens(secret: string | undefined): ServiceTokens {
  const raw = secret ?? randomBytes(32).toString('base64url');
  if (raw.length < secretMinLength)
    throw new Error(`INTERNAL_TOKEN_SECRET must be at least ${secretMinLength} characters`);
  const key = new TextEncoder().encode(raw);
  const cache = new Map<string, { token: string; expS: number }>();
  return {
    async token(service) {
      const nowS = Math.floor(Date.now() / 1000);
      const hit = cache.get(service);
      if (hit && hit.expS - nowS > refreshBeforeS) return hit.token;
      const expS = nowS + tokenTtlS;
      const token = await new SignJWT({ role: 'service' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(`service:${service}`)
        .setIssuer(internalIssuer)
        .setAudience(internalTokenAudience)
        .setIssuedAt(nowS)
        .setExpirationTime(expS)
        .sign(key);
      cache.set(service, { token, expS });
      return token;
    },
    async verify(token): Promise<Principal> {
      const { payload } = await jwtVerify(token, key, {
        issuer: internalIssuer,
        audience: internalTokenAudience,
        algorithms: ['HS256'],
      });
      if (payload['role'] !== 'service' || typeof payload.sub !== 'string')
        throw new Error('not a service token');
      return { id: payload.sub, role: 'service' };
    },
  };
}
