/**
 * What services share: event schemas and typed client interfaces. Services never import each
 * other's source; they depend on this package (checked by tools/check-boundaries.ts).
 * The event envelope and the loyalty client arrive with the event backbone and ledger work.
 */
export const memberRoles = ['member', 'admin'] as const;
export type MemberRole = (typeof memberRoles)[number];

/** Claims of an access token issued by identity (EdDSA JWT). */
export interface AccessTokenClaims {
  sub: string;
  role: MemberRole;
  iss: string;
  aud: string;
  exp: number;
  iat: number;
  jti: string;
}
