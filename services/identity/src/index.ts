import type { ServiceModule } from '@redemption/kernel';
import { createIdentityService } from './app/identity.service.ts';
import { seedIdentity } from './app/demo-seed.ts';
import { createTokenIssuer } from './app/token-issuer.ts';
import { usersRoutes } from './http/users.routes.ts';
import { identityMigrations } from './store/identity.migrations.ts';
import { identityConfig } from './identity.config.ts';

export { demoMemberPassword, demoMembers } from './app/demo-seed.ts';

export { identityConfig } from './identity.config.ts';
export { createAdmin, type AdminOutcome, type NewAdmin } from './app/admin-account.ts';
export { limits as identityLimits } from './domain/user.ts';

/** Where identity's mail goes until the notifications service sends it (tests, dev mailbox). */
export interface IdentityModuleOptions {
  /** Sends a password-reset token to the member; without it, a reset is only logged. */
  deliverResetToken?: (user: { id: string; email: string }, token: string) => Promise<void>;
  /** Sends the token that confirms a member's new e-mail to that new address. */
  deliverEmailChangeToken?: (
    user: { id: string; email: string },
    newEmail: string,
    token: string,
  ) => Promise<void>;
}

/** Identity: members, admins, credentials, tokens (EdDSA JWT, JWKS), password resets. */
export function createIdentityModule(
  opts: IdentityModuleOptions = {},
): ServiceModule<typeof identityConfig> {
  return {
    name: 'identity',
    migrations: identityMigrations,
    config: identityConfig,
    async init(ctx) {
      const { config } = ctx;
      const tokens = await createTokenIssuer({
        db: ctx.db,
        issuer: config.jwtIssuer,
        accessTtlS: config.accessTokenTtlS,
        privateJwk: config.jwtPrivateJwk,
      });
      const svc = createIdentityService({
        db: ctx.db,
        tokens,
        events: ctx.events,
        rateLimiter: ctx.rateLimiter,
        revocations: ctx.revocations,
        log: ctx.log,
        accessTtlS: config.accessTokenTtlS,
        refreshTtlS: config.refreshTokenTtlS,
        throttles: {
          loginPerIpPerMin: config.loginRatePerMin,
          loginPerIpAccountPer15Min: config.loginIpAccountRatePer15Min,
          loginSlowdownPerAccountPer15Min: config.loginSlowdownPerAccountPer15Min,
          registerPerIpPerHour: config.registerRatePerIpPerHour,
          resetPerIpPerHour: config.passwordResetRatePerIpPerHour,
          resetMailsPerEmailPerHour: config.passwordResetMailsPerEmailPerHour,
        },
        ...(opts.deliverResetToken ? { deliverResetToken: opts.deliverResetToken } : {}),
        ...(opts.deliverEmailChangeToken
          ? { deliverEmailChangeToken: opts.deliverEmailChangeToken }
          : {}),
      });
      return {
        jwtKeys: tokens.verifyKeys,
        async routes(app) {
          app.get(
            '/.well-known/jwks.json',
            { schema: { hide: true }, config: { public: true } },
            async () => tokens.jwks,
          );
          await usersRoutes(app, svc, ctx.idempotency, { refreshTtlS: config.refreshTokenTtlS });
        },
        seed: (seedOpts) =>
          seedIdentity(
            ctx.db,
            svc,
            { email: config.adminEmail, password: config.adminPassword },
            seedOpts,
          ),
      };
    },
  };
}

export const identityModule = createIdentityModule();
