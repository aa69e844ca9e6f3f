import type { ServiceModule } from '@redemption/kernel';
import { createIdentityService } from './app/identity.service.ts';
import { seedIdentity } from './app/demo-seed.ts';
import { createTokenIssuer } from './app/token-issuer.ts';
import { createMailTokens } from './app/mail-tokens.ts';
import { usersRoutes } from './http/users.routes.ts';
import { identityMigrations } from './store/identity.migrations.ts';
import { identityConfig } from './identity.config.ts';

export { demoMemberPassword, demoMembers } from './app/demo-seed.ts';

export { identityConfig } from './identity.config.ts';
export { createAdmin, type AdminOutcome, type NewAdmin } from './app/admin-account.ts';
export { limits as identityLimits } from './domain/user.ts';

/**
 * Identity: members, admins, credentials, tokens (EdDSA JWT, JWKS), password resets. Its mails
 * (reset links, e-mail confirmations) are sent by notifications: identity publishes
 * password_reset_requested and email_change_requested, and mints each mail's token when
 * notifications asks for it (app/mail-tokens.ts).
 */
export function createIdentityModule(): ServiceModule<typeof identityConfig> {
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
      });
      const mailTokens = createMailTokens(ctx.db);
      return {
        jwtKeys: tokens.verifyKeys,
        async routes(app) {
          app.get(
            '/.well-known/jwks.json',
            { schema: { hide: true }, config: { public: true } },
            async () => tokens.jwks,
          );
          await usersRoutes(app, svc, ctx.idempotency, {
            refreshTtlS: config.refreshTokenTtlS,
            mailTokens,
          });
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
