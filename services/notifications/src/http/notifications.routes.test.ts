import { randomUUID } from 'node:crypto';
import { passwordResetRequested, paymentSucceeded } from '@redemption/contracts';
import { newId } from '@redemption/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startNotifications,
  testPublicUrl,
  type NotificationsHarness,
} from '../testing/notifications-harness.ts';

describe('notifications API (embedded PGlite, dev mailbox)', () => {
  let h: NotificationsHarness;
  beforeAll(async () => {
    h = await startNotifications();
  });
  afterAll(async () => h?.close());

  const receipt = (memberId: string, extra: Record<string, unknown> = {}) => ({
    template: 'payment_receipt',
    member_id: memberId,
    data: { order_id: newId(), amount_minor: 4999, currency: 'USD', payment_id: newId() },
    ...extra,
  });
  const mailbox = async (recipient: string) =>
    (
      await h.call(
        'GET',
        `/api/notifications/mailbox?recipient=${encodeURIComponent(recipient)}`,
        h.adminToken,
      )
    ).body['items'] as Array<Record<string, any>>;
  const counts = async () =>
    (
      await h.platform.db.query<{ deliveries: number; mailbox: number }>(
        `SELECT (SELECT count(*)::int FROM notifications.deliveries) AS deliveries,
                (SELECT count(*)::int FROM notifications.mailbox) AS mailbox`,
      )
    ).rows[0]!;

  it('sends by e-mail to the dev mailbox once per Idempotency-Key, names escaped in the HTML', async () => {
    const m = h.identity.addMember({ full_name: '<b>Ann & Co</b>' });
    const key = randomUUID();
    const body = receipt(m.id);
    const first = await h.call('POST', '/api/notifications/send', h.adminToken, body, key);
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const [n] = first.body['notifications'];
    expect(n).toMatchObject({
      template: 'payment_receipt',
      channel: 'email',
      category: 'transactional',
    });
    const again = await h.call('POST', '/api/notifications/send', h.adminToken, body, key);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body['notifications'][0].id).toBe(n.id);
    expect(await h.settled(n.id)).toMatchObject({
      status: 'sent',
      provider: 'dev-mailbox',
      address: m.email,
    });
    const [mail] = await mailbox(m.email);
    expect(mail).toMatchObject({
      id: n.id,
      subject: `Receipt for order ${body.data.order_id.slice(0, 8).toUpperCase()}`,
    });
    expect(mail!['text']).toContain('$49.99');
    expect(mail!['text']).toContain(`${testPublicUrl}/orders/${body.data.order_id}`);
    const full = await h.call('GET', `/api/notifications/mailbox/${n.id}`, h.adminToken);
    expect(full.body['html']).toContain('&lt;b&gt;Ann &amp; Co&lt;/b&gt;');
    expect(full.body['html']).not.toContain('<b>Ann');
    expect(await mailbox(m.email)).toHaveLength(1);
  });

  it('refuses bad input with a 400 naming the field and writes nothing', async () => {
    const m = h.identity.addMember();
    const before = await counts();
    const missing = await h.call('POST', '/api/notifications/send', h.adminToken, {
      ...receipt(m.id),
      data: { order_id: newId(), currency: 'USD', payment_id: newId() },
    });
    expect(missing.status).toBe(400);
    expect(missing.headers['content-type']).toContain('application/problem+json');
    expect(missing.body['errors'][0].field).toBe('body.data.amount_minor');
    const unknown = await h.call(
      'POST',
      '/api/notifications/send',
      h.adminToken,
      receipt(m.id, { template: 'nope' }),
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body['errors'][0].field).toBe('body.template');
    const noKey = await h.call(
      'POST',
      '/api/notifications/send',
      h.adminToken,
      receipt(m.id),
      null,
    );
    expect(noKey.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it('answers 422 when the member wants it on none of the channels asked for, 403 to members', async () => {
    const m = h.identity.addMember({ phone: '+15005550006' });
    const sms = await h.call(
      'POST',
      '/api/notifications/send',
      h.adminToken,
      receipt(m.id, { channels: ['sms'] }),
    );
    expect(sms.status).toBe(422);
    expect(sms.body).toMatchObject({ type: '/problems/no-channel', field: 'body.channels' });
    const member = await h.member();
    expect(
      (await h.call('POST', '/api/notifications/send', member.token, receipt(member.id))).status,
    ).toBe(403);
    const reset = await h.call('POST', '/api/notifications/send', h.adminToken, {
      template: 'password_reset',
      member_id: m.id,
      data: { request_id: newId() },
    });
    expect(reset.status).toBe(422);
  });

  it("shows members their own notifications only (another's is 404)", async () => {
    const m = h.identity.addMember();
    const sent = await h.call('POST', '/api/notifications/send', h.adminToken, receipt(m.id));
    const id = sent.body['notifications'][0].id as string;
    const stranger = await h.member();
    expect((await h.call('GET', `/api/notifications/${id}`, stranger.token)).status).toBe(404);
    const owner = await h.tokens.sign(m.id, 'member');
    expect((await h.call('GET', `/api/notifications/${id}`, owner)).status).toBe(200);
  });

  it('keeps transactional e-mail on; marketing is opt-in, localised, with one-click unsubscribe', async () => {
    const m = h.identity.addMember({ full_name: 'Zoé' });
    const token = await h.tokens.sign(m.id, 'member');
    const url = `/api/notifications/preferences/${m.id}`;
    const locked = await h.call('PUT', url, token, {
      preferences: [{ category: 'transactional', channel: 'email', enabled: false }],
    });
    expect(locked.status).toBe(422);
    expect(locked.body['field']).toBe('body.preferences.0.enabled');
    // The same pair twice (the fuzzer's 500: the upsert would touch one row twice).
    const twice = await h.call('PUT', url, token, {
      preferences: [
        { category: 'marketing', channel: 'sms', enabled: true },
        { category: 'marketing', channel: 'sms', enabled: false },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body['errors']).toEqual([
      expect.objectContaining({ field: 'body.preferences.1' }),
    ]);
    const drop = {
      template: 'drop_opening',
      member_id: m.id,
      data: {
        drop_id: newId(),
        drop_name: 'Villa',
        opens_at: '2030-01-01T10:00:00Z',
        points_price: 90000,
      },
    };
    expect((await h.call('POST', '/api/notifications/send', h.adminToken, drop)).status).toBe(422); // not opted in
    const optIn = await h.call('PUT', url, token, {
      locale: 'fr',
      preferences: [{ category: 'marketing', channel: 'email', enabled: true }],
    });
    expect(optIn.status).toBe(200);
    expect(optIn.body['locale']).toBe('fr');
    const sent = await h.call('POST', '/api/notifications/send', h.adminToken, drop);
    expect(sent.status).toBe(202);
    await h.settled(sent.body['notifications'][0].id);
    const [mail] = await mailbox(m.email);
    expect(mail!['subject']).toBe('Villa ouvre à 1 janvier 2030 à 10:00 UTC');
    const unsubscribe = mail!['headers']['List-Unsubscribe'] as string;
    expect(mail!['headers']['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const link = new URL(unsubscribe.slice(1, -1));
    expect(link.origin + link.pathname).toBe(`${testPublicUrl}/api/notifications/unsubscribe`);
    const path = link.pathname + link.search;
    const forged = path.replace(
      /token=u1\.(\w)/,
      (_, c: string) => `token=u1.${c === 'A' ? 'B' : 'A'}`,
    );
    expect((await h.call('POST', forged, null, undefined, null)).status).toBe(400);
    const page = await h.platform.app.inject({ method: 'GET', url: path });
    expect(page.headers['content-type']).toContain('text/html');
    const oneClick = await h.platform.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode, oneClick.body).toBe(200);
    const prefs = (await h.call('GET', url, token)).body['preferences'] as Array<
      Record<string, unknown>
    >;
    expect(
      prefs.find((p) => p['category'] === 'marketing' && p['channel'] === 'email'),
    ).toMatchObject({ enabled: false });
  });

  it('mails a password reset from the event with a token minted at send time, once', async () => {
    const m = h.identity.addMember();
    const requestId = h.identity.addResetRequest(m.id);
    await h.platform.db.tx((q) =>
      h.platform.events.publisher.publish(q, passwordResetRequested, {
        subject: m.id,
        data: {
          request_id: requestId,
          member_id: m.id,
          expires_at: new Date(Date.now() + 1_800_000).toISOString(),
        },
      }),
    );
    const deadline = Date.now() + 15_000;
    while ((await mailbox(m.email)).length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const [mail] = await mailbox(m.email);
    expect(mail!['subject']).toBe('Reset your Redemption password');
    expect(mail!['text']).toContain(
      `${testPublicUrl}/reset-password#token=${h.identity.minted.at(-1)}`,
    );
    const { rows } = await h.platform.db.query<{ payload: unknown }>(
      "SELECT payload FROM notifications.deliveries WHERE template = 'password_reset' AND member_id = $1",
      [m.id],
    );
    expect(JSON.stringify(rows)).not.toContain(h.identity.minted.at(-1)); // the token is not kept
  });

  it('skips a receipt for a member identity no longer has', async () => {
    const gone = newId();
    await h.platform.db.tx((q) =>
      h.platform.events.publisher.publish(q, paymentSucceeded, {
        subject: newId(),
        data: {
          payment_id: newId(),
          order_id: newId(),
          member_id: gone,
          amount: 100,
          currency: 'EUR',
          provider: 'simulated',
          transaction_id: 'ch_1',
        },
      }),
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      const list = await h.call('GET', `/api/notifications?member_id=${gone}`, h.adminToken);
      const [n] = list.body['items'];
      if (n && n.status === 'skipped') return expect(n.last_error).toBe('the member is gone');
      if (Date.now() > deadline) throw new Error(`not skipped: ${JSON.stringify(n)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
