import { randomBytes } from 'node:crypto';
import { createServiceTokens, type Db } from '@redemption/kernel';
import { buildTestPlatform, type TestPlatform } from '@redemption/kernel/testing';
import { createIdentityModule } from '../index.ts';

export interface Harness extends TestPlatform {
  /**
   * The token a reset mail to `email` would carry now, as notifications gets it: the newest
   * password_reset_requested event of that member, then a fresh token for its request (which
   * replaces the previous one). Undefined when no reset was published or it is no longer usable.
   */
  resetToken(email: string): Promise<string | undefined>;
  /** How many password_reset_requested events the member with `email` has (mails asked for). */
  resetRequests(email: string): Promise<number>;
  /** The same for the confirmation mail to a new address (email_change_requested). */
  emailChangeToken(newEmail: string): Promise<string | undefined>;
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

const resetEvents = `FROM kernel.outbox o JOIN identity.users u ON u.id::text = o.event->'data'->>'member_id'
  WHERE o.topic = 'identity' AND o.event->>'type' = 'password_reset_requested' AND lower(u.email) = lower($1)`;
const emailChangeEvents = `FROM kernel.outbox o
  JOIN identity.email_changes c ON c.id::text = o.event->'data'->>'request_id'
  WHERE o.topic = 'identity' AND o.event->>'type' = 'email_change_requested' AND lower(c.new_email) = lower($1)`;

/**
 * The identity service alone, as `redemption serve identity` builds it, on the given database;
 * it verifies the tokens it issues itself.
 */
export async function startIdentity(
  opts: { databaseUrl?: string; db?: Db; env?: Record<string, string> } = {},
): Promise<Harness> {
  const secret = randomBytes(32).toString('base64url');
  const h = await buildTestPlatform({
    ...opts,
    modules: [createIdentityModule()],
    name: 'identity',
    env: { ...testEnv, INTERNAL_TOKEN_SECRET: secret, ...opts.env },
  });
  const serviceToken = await createServiceTokens(secret).token('notifications');
  const newestRequest = async (from: string, email: string) => {
    const { rows } = await h.platform.db.query<{ id: string }>(
      `SELECT o.event->'data'->>'request_id' AS id ${from} ORDER BY o.position DESC LIMIT 1`,
      [email],
    );
    return rows[0]?.id;
  };
  const mint = async (path: string, id: string | undefined) => {
    if (!id) return undefined;
    const res = await h.platform.app.inject({
      method: 'POST',
      url: `/api/users/${path}/${id}/delivery`,
      headers: { authorization: `Bearer ${serviceToken}` },
      payload: {},
    });
    return res.statusCode === 200 ? res.json<{ token: string }>().token : undefined;
  };
  return {
    ...h,
    resetToken: async (email) => mint('password-reset', await newestRequest(resetEvents, email)),
    async resetRequests(email) {
      const { rows } = await h.platform.db.query<{ n: number }>(
        `SELECT count(*)::int AS n ${resetEvents}`,
        [email],
      );
      return rows[0]!.n;
    },
    emailChangeToken: async (email) =>
      mint('email-change', await newestRequest(emailChangeEvents, email)),
  };
}
