/**
 * What services share: event schemas and typed client interfaces. Services never import each
 * other's source; they depend on this package (checked by tools/check-boundaries.ts).
 */
export * from './events/topics.ts';
export * from './events/define-event.ts';
export * from './events/order-events.ts';
export * from './events/loyalty-events.ts';
export * from './events/catalog-events.ts';
export * from './events/payment-events.ts';
export * from './events/identity-events.ts';
export * from './events/analytics-events.ts';
export * from './clients/index.ts';
export * from './resources/index.ts';

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
