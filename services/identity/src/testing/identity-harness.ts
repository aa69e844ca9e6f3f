import type { Db } from '@redemption/kernel';
import { buildTestPlatform, type TestPlatform } from '@redemption/kernel/testing';
import { createIdentityModule } from '../index.ts';

export interface Harness extends TestPlatform {
  /** Reset tokens "delivered" to users, newest last (stands in for the e-mail). */
  resetTokens: Map<string, string>;
  /** E-mail change tokens "delivered" to the new address (lower case), newest last. */
  emailChangeTokens: Map<string, string>;
}

/** The first admin's password when a test seeds one (`platform.seed`). */
export const testAdminPassword = 'admin password for tests';

/** Env for tests: per-IP limits high enough that only the throttle tests trip them. */
export const testEnv = {
  LOGIN_RATE_PER_IP_PER_MIN: '100000',
  LOGIN_RATE_PER_IP_ACCOUNT_PER_15MIN: '5',
  REGISTER_RATE_PER_IP_PER_HOUR: '100000',
  PASSWORD_RESET_RATE_PER_IP_PER_HOUR: '100000',
  ADMIN_PASSWORD: testAdminPassword,
};

/**
 * The identity service alone, as `redemption serve identity` builds it, on the given database;
 * it verifies the tokens it issues itself.
 */
export async function startIdentity(
  opts: { databaseUrl?: string; db?: Db; env?: Record<string, string> } = {},
): Promise<Harness> {
  const resetTokens = new Map<string, string>();
  const emailChangeTokens = new Map<string, string>();
  const h = await buildTestPlatform({
    ...opts,
    modules: [
      createIdentityModule({
        deliverResetToken: async (user, token) =>
          void resetTokens.set(user.email.toLowerCase(), token),
        deliverEmailChangeToken: async (_user, newEmail, token) =>
          void emailChangeTokens.set(newEmail.toLowerCase(), token),
      }),
    ],
    name: 'identity',
    env: { ...testEnv, ...opts.env },
  });
  return { ...h, resetTokens, emailChangeTokens };
}
