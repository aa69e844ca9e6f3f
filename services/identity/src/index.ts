import type { ServiceModule } from '@redemption/kernel';
import { createIdentityService } from './app/identity.service.ts';
import { seedIdentity } from './app/demo-seed.ts';
import { createTokenIssuer } from './app/token-issuer.ts';
import { usersRoutes } from './http/users.routes.ts';
import { identityMigrations } from './store/identity.migrations.ts';

export { demoMemberPassword, demoMembers } from './app/demo-seed.ts';

/** Identity: members, admins, credentials, tokens (EdDSA JWT, JWKS), password resets. */
export const identityModule: ServiceModule = {
  name: 'identity',
  migrations: identityMigrations,
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
      ...(ctx.hooks?.deliverResetToken ? { deliverResetToken: ctx.hooks.deliverResetToken } : {}),
      ...(ctx.hooks?.deliverEmailChangeToken
        ? { deliverEmailChangeToken: ctx.hooks.deliverEmailChangeToken }
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
      seed: (opts) =>
        seedIdentity(
          ctx.db,
          svc,
          { email: config.adminEmail, password: config.adminPassword },
          opts,
        ),
    };
  },
};
