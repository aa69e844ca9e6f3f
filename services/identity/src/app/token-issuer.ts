import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '@redemption/kernel';
import { newId } from '@redemption/kernel';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { Role } from '../domain/user.ts';
import { signingKeysRepository } from '../store/signing-keys.repository.ts';

import { accessTokenAudience as tokenAudience } from '@redemption/kernel';
const refreshTokenBytes = 32;

export interface TokenIssuer {
  /** `sessionId`: the refresh-token family, so one sign-out can revoke its access tokens. */
  signAccess(userId: string, role: Role, sessionId: string): Promise<string>;
  jwks: JSONWebKeySet;
  verifyKeys: JWTVerifyGetKey;
}

/** Opaque refresh/reset tokens: 256 random bits; only their SHA-256 is stored. */
export const newOpaqueToken = (): string => randomBytes(refreshTokenBytes).toString('base64url');
export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

async function generateKey(): Promise<{ kid: string; privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', {
    crv: 'Ed25519',
    extractable: true,
  });
  const kid = newId();
  return { kid, privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) };
}

function publicHalf(jwk: JWK): JWK {
  const { kty, crv, x } = jwk;
  return { kty, crv, x };
}

/**
 * Signs EdDSA (Ed25519) access tokens. The key comes from JWT_PRIVATE_JWK when set (all pods
 * share it), otherwise from the identity schema, created once under an advisory lock.
 */
export async function createTokenIssuer(opts: {
  db: Db;
  issuer: string;
  accessTtlS: number;
  privateJwk?: string | undefined;
}): Promise<TokenIssuer> {
  let keys: Array<{ kid: string; privateJwk: JWK; publicJwk: JWK }>;
  if (opts.privateJwk) {
    const jwk = JSON.parse(opts.privateJwk) as JWK;
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d)
      throw new Error('JWT_PRIVATE_JWK must be an Ed25519 private JWK');
    keys = [{ kid: jwk.kid ?? 'configured', privateJwk: jwk, publicJwk: publicHalf(jwk) }];
  } else {
    const rows = await signingKeysRepository.loadOrCreate(opts.db, generateKey);
    keys = rows.map((r) => ({ kid: r.kid, privateJwk: r.private_jwk, publicJwk: r.public_jwk }));
  }
  const current = keys[0]!;
  const signingKey = await importJWK(current.privateJwk, 'EdDSA');
  const jwks: JSONWebKeySet = {
    keys: keys.map((k) => ({ ...publicHalf(k.publicJwk), kid: k.kid, alg: 'EdDSA', use: 'sig' })),
  };
  return {
    jwks,
    verifyKeys: createLocalJWKSet(jwks),
    signAccess: (userId, role, sessionId) =>
      new SignJWT({ role, sid: sessionId })
        .setProtectedHeader({ alg: 'EdDSA', kid: current.kid, typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(opts.issuer)
        .setAudience(tokenAudience)
        // Milliseconds (a NumericDate may have a fraction): a sign-in right after "sign out
        // everywhere" must not fall in the same second as the revocation marker and be refused.
        .setIssuedAt(Date.now() / 1000)
        .setJti(newId())
        .setExpirationTime(`${opts.accessTtlS}s`)
        .sign(signingKey),
  };
}
