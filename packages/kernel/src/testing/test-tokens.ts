import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import { accessTokenAudience } from '../auth/auth.ts';

export interface TestTokens {
  keys: JWTVerifyGetKey;
  /** An access token as identity would issue it, for a service tested without identity. */
  sign(sub: string, role: 'member' | 'admin'): Promise<string>;
}

export async function createTestTokens(issuer = 'redemption'): Promise<TestTokens> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'test', alg: 'EdDSA' };
  return {
    keys: createLocalJWKSet({ keys: [jwk] }),
    sign: (sub, role) =>
      new SignJWT({ role })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'test' })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(accessTokenAudience)
        .setIssuedAt()
        .setExpirationTime('15m')
        .sign(privateKey),
  };
}
