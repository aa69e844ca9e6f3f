/**
 * The password reset by e-mail, end to end with the real services: identity records the
 * request and publishes password_reset_requested; notifications (its consumer group, on
 * PostgreSQL) asks identity for a fresh token, renders the mail and sends it over SMTP to a real
 * SMTP server in this test (smtp-server); the test follows the mailed link's token and sets a
 * new password with it. The pg transport carries the event here; the Kafka path of the same
 * consumer is notifications' receipt-crash test.
 */
import { identityModule } from '@redemption/identity';
import { randomBytes } from 'node:crypto';
import {
  buildTestPlatform,
  createTempDatabase,
  postgresGate,
  type TestPlatform,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { createNotificationsModule } from '@redemption/notifications';
import { startSmtpSink, type SmtpSink } from '@redemption/notifications/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pg = postgresGate();
const publicUrl = 'https://shop.redemption.test';

describe.skipIf(!pg.url)(
  'password reset e-mail through SMTP (identity + notifications, PostgreSQL)',
  () => {
    let temp: TempDatabase;
    let sink: SmtpSink;
    let t: TestPlatform;
    beforeAll(async () => {
      temp = await createTempDatabase(pg.url!);
      sink = await startSmtpSink();
      t = await buildTestPlatform({
        modules: [
          identityModule,
          createNotificationsModule({ group: `notifications-${randomBytes(4).toString('hex')}` }),
        ],
        databaseUrl: temp.url,
        env: {
          SMTP_URL: sink.url,
          PUBLIC_URL: publicUrl,
          LOYALTY_URL: 'http://127.0.0.1:9', // its jobs are not under test here
          EVENT_TRANSPORT: 'pg',
          REDIS_URL: '',
        },
      });
    });
    afterAll(async () => {
      await t?.close();
      await sink?.close();
      await temp?.drop();
    });

    it('mails a link whose token sets the new password, once', async () => {
      const username = `reset${randomBytes(3).toString('hex')}`;
      const email = `${username}@example.com`;
      const oldPassword = 'the first long passphrase';
      const registered = await t.call('POST', '/api/users/register', null, {
        username,
        email,
        password: oldPassword,
      });
      expect(registered.status, JSON.stringify(registered.body)).toBe(201);
      const asked = await t.call('POST', '/api/users/password-reset', null, { email });
      expect(asked.status).toBe(202);

      const mail = await sink.waitFor(
        (m) => m.to.includes(email) && /password/i.test(m.header('subject') ?? ''),
        60_000,
      );
      expect(mail.header('subject')).toBe('Reset your Redemption password');
      expect(mail.header('to')).toBe(email);
      expect(mail.header('content-type')).toMatch(/^multipart\/alternative/);
      expect(mail.header('list-unsubscribe')).toBeUndefined();
      const link = new RegExp(
        `${publicUrl.replace(/\./g, '\\.')}/reset-password#token=([A-Za-z0-9_%-]+)`,
      ).exec(mail.text ?? '');
      expect(link, mail.text).not.toBeNull();
      const token = decodeURIComponent(link![1]!);
      expect(mail.html).toContain(`href="${publicUrl}/reset-password#token=${link![1]}"`);

      const newPassword = 'a second, newer passphrase';
      const reset = await t.call('POST', '/api/users/password-reset/confirm', null, {
        token,
        new_password: newPassword,
      });
      expect(reset.status, JSON.stringify(reset.body)).toBe(204);
      expect(
        (await t.call('POST', '/api/users/login', null, { username, password: oldPassword }))
          .status,
      ).toBe(401);
      expect(
        (await t.call('POST', '/api/users/login', null, { username, password: newPassword }))
          .status,
      ).toBe(200);
      // The link is single use, and the token is in no table of notifications.
      expect(
        (
          await t.call('POST', '/api/users/password-reset/confirm', null, {
            token,
            new_password: 'yet another passphrase',
          })
        ).status,
      ).toBe(400);
      const stored = await t.platform.db.query(
        `SELECT 1 FROM notifications.deliveries WHERE payload::text LIKE '%' || $1 || '%'`,
        [token],
      );
      expect(stored.rows).toEqual([]);
      const resets = sink.accepted.filter(
        (m) => m.to.includes(email) && m.header('subject') === mail.header('subject'),
      );
      expect(resets).toHaveLength(1);
    });
  },
);
