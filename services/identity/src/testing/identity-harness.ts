import { buildPlatform, loadPlatformConfig, type Db, type Platform } from '@redemption/kernel';
import { identityModule } from '../index.ts';

export interface Harness {
  platform: Platform;
  /** Reset tokens "delivered" to users, newest last (stands in for the e-mail). */
  resetTokens: Map<string, string>;
  /** E-mail change tokens "delivered" to the new address (lower case), newest last. */
  emailChangeTokens: Map<string, string>;
  close(): Promise<void>;
}

/** The first admin's password when a test seeds one (`platform.seed`). */
export const testAdminPassword = 'admin password for tests';

/** Env for tests: quiet logs; per-IP limits high enough that only the throttle tests trip them. */
export const testEnv = {
  LOG_LEVEL: 'silent',
  DATA_DIR: 'memory://',
  LOGIN_RATE_PER_IP_PER_MIN: '100000',
  LOGIN_RATE_PER_IP_ACCOUNT_PER_15MIN: '5',
  REGISTER_RATE_PER_IP_PER_HOUR: '100000',
  PASSWORD_RESET_RATE_PER_IP_PER_HOUR: '100000',
  ADMIN_PASSWORD: testAdminPassword,
};

/** The identity service alone, as `redemption serve identity` builds it, on the given database. */
export async function startIdentity(
  opts: { databaseUrl?: string; db?: Db; env?: Record<string, string> } = {},
): Promise<Harness> {
  const resetTokens = new Map<string, string>();
  const emailChangeTokens = new Map<string, string>();
  const env: Record<string, string> = {
    ...testEnv,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const platform = await buildPlatform({
    config: loadPlatformConfig(env),
    modules: [identityModule],
    name: 'identity',
    version: 'test',
    ...(opts.db ? { db: opts.db } : {}),
    hooks: {
      deliverResetToken: async (user, token) =>
        void resetTokens.set(user.email.toLowerCase(), token),
      deliverEmailChangeToken: async (_user, newEmail, token) =>
        void emailChangeTokens.set(newEmail.toLowerCase(), token),
    },
  });
  return { platform, resetTokens, emailChangeTokens, close: () => platform.close() };
}
