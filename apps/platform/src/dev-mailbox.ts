import type { IdentityModuleOptions } from '@redemption/identity';
import type { PlatformConfig } from '@redemption/kernel';

/**
 * Until the notifications service sends e-mail, a standalone platform on its embedded database
 * (a throwaway, like its published demo passwords) "delivers" the password-reset link by
 * printing it to stderr, where the person who ran `npm start` reads it. The token sits in the
 * URL fragment, which browsers never send to a server. Against a real DATABASE_URL nothing is
 * printed: a reset link is a credential.
 */
export function devMailbox(
  config: Pick<PlatformConfig, 'databaseUrl'>,
  baseUrl: () => string,
): IdentityModuleOptions {
  if (config.databaseUrl) return {};
  return {
    deliverResetToken: async (user, token) => {
      const link = `${baseUrl()}/reset-password#token=${encodeURIComponent(token)}`;
      process.stderr.write(`dev mailbox: password reset for ${user.email}: ${link}\n`);
    },
  };
}
