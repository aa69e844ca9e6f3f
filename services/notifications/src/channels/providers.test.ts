/**
 * The real providers against real servers on this machine: e-mail through nodemailer to an SMTP
 * server process (the smtp-server package, testing/smtp-sink.ts) and SMS to a local HTTP server
 * that answers like Twilio's documented Messages API (testing/fake-twilio.ts; not Twilio).
 */
import { newId } from '@redemption/kernel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../testing/smtp-sink.ts';
import { invalidTwilioNumber, startFakeTwilio, type FakeTwilio } from '../testing/fake-twilio.ts';
import {
  startNotifications,
  testPublicUrl,
  type NotificationsHarness,
} from '../testing/notifications-harness.ts';
import { leaves } from '../testing/mime.ts';

const twilioFrom = '+15005550006';

describe('SMTP and Twilio-compatible SMS providers (real SMTP server, local Twilio stand-in)', () => {
  let h: NotificationsHarness;
  let sink: SmtpSink;
  let twilio: FakeTwilio;
  beforeAll(async () => {
    sink = await startSmtpSink();
    twilio = await startFakeTwilio();
    h = await startNotifications({
      env: {
        SMTP_URL: sink.url,
        MAIL_FROM: 'Redemption <no-reply@mail.redemption.test>',
        TWILIO_ACCOUNT_SID: twilio.accountSid,
        TWILIO_AUTH_TOKEN: twilio.authToken,
        TWILIO_FROM: twilioFrom,
        TWILIO_API_BASE: twilio.url,
        SMS_RATE_PER_S: '100',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await sink?.close();
    await twilio?.close();
  });

  const send = async (body: Record<string, unknown>) => {
    const res = await h.call('POST', '/api/notifications/send', h.adminToken, body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body['notifications'][0] as { id: string };
  };
  const to = (email: string) => (m: SinkMessage) => m.to.includes(email);

  it('sends a receipt as multipart/alternative (text and MJML HTML) with its headers', async () => {
    const m = h.identity.addMember({ full_name: "Ann <O'Neil>" });
    const orderId = newId();
    const n = await send({
      template: 'payment_receipt',
      member_id: m.id,
      data: { order_id: orderId, amount_minor: 123456, currency: 'EUR', payment_id: newId() },
    });
    const mail = await sink.waitFor(to(m.email));
    expect(mail.from).toBe('no-reply@mail.redemption.test');
    expect(mail.header('from')).toBe('Redemption <no-reply@mail.redemption.test>');
    expect(mail.header('to')).toBe(m.email);
    expect(mail.header('subject')).toBe(`Receipt for order ${orderId.slice(0, 8).toUpperCase()}`);
    expect(mail.header('message-id')).toBe(`<${n.id}@mail.redemption.test>`);
    expect(mail.header('content-type')).toMatch(/^multipart\/alternative; boundary=/);
    expect(mail.header('list-unsubscribe')).toBeUndefined(); // transactional: nothing to leave
    const types = leaves(mail.mime).map((p) => p.headers.get('content-type')?.split(';')[0]);
    expect(types).toEqual(['text/plain', 'text/html']);
    expect(mail.text).toContain('€1,234.56');
    expect(mail.text).toContain(`${testPublicUrl}/orders/${orderId}`);
    expect(mail.html).toContain('<!doctype html>');
    expect(mail.html).toContain('Ann &lt;O&#39;Neil&gt;');
    expect(mail.html).not.toContain("Ann <O'Neil>");
    expect(mail.html).toContain(`href="${testPublicUrl}/orders/${orderId}"`);
    expect(await h.settled(n.id)).toMatchObject({
      status: 'sent',
      provider: 'smtp',
      provider_message_id: `<${n.id}@mail.redemption.test>`,
    });
  });

  it('puts List-Unsubscribe and List-Unsubscribe-Post on marketing mail; the one-click POST works', async () => {
    const m = h.identity.addMember();
    const token = await h.tokens.sign(m.id, 'member');
    const prefs = `/api/notifications/preferences/${m.id}`;
    const optIn = [{ category: 'marketing', channel: 'email', enabled: true }];
    expect((await h.call('PUT', prefs, token, { preferences: optIn })).status).toBe(200);
    const drop = {
      template: 'drop_opening',
      member_id: m.id,
      data: {
        drop_id: newId(),
        drop_name: 'Lisbon <weekend>',
        opens_at: '2031-05-01T09:30:00Z',
        points_price: 12000,
      },
    };
    await send(drop);
    const mail = await sink.waitFor(to(m.email));
    const header = mail.header('list-unsubscribe')!;
    expect(header).toMatch(
      new RegExp(`^<${testPublicUrl}/api/notifications/unsubscribe\\?token=[^>]+>$`),
    );
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.text).toContain('Lisbon <weekend>');
    expect(mail.html).toContain('Lisbon &lt;weekend&gt;');
    const link = new URL(header.slice(1, -1));
    // What a mail client does for RFC 8058: POST the URL with the one-click form body.
    const clicked = await h.platform.app.inject({
      method: 'POST',
      url: link.pathname + link.search,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(clicked.statusCode, clicked.body).toBe(200);
    const after = (await h.call('GET', prefs, token)).body['preferences'] as Array<
      Record<string, unknown>
    >;
    expect(
      after.find((p) => p['category'] === 'marketing' && p['channel'] === 'email'),
    ).toMatchObject({ enabled: false });
    const again = await h.call('POST', '/api/notifications/send', h.adminToken, {
      ...drop,
      data: { ...drop.data, drop_id: newId() },
    });
    expect(again.status).toBe(422);
  });

  it('retries after an SMTP 451 and fails at once on a 550', async () => {
    const m = h.identity.addMember();
    const receipt = () => ({
      template: 'payment_receipt',
      member_id: m.id,
      data: { order_id: newId(), amount_minor: 100, currency: 'USD', payment_id: newId() },
    });
    sink.refuseWith(451);
    const retried = await send(receipt());
    await expect
      .poll(
        async () =>
          (await h.call('GET', `/api/notifications/${retried.id}`, h.adminToken)).body['attempts'],
        { timeout: 15_000 },
      )
      .toBeGreaterThanOrEqual(2);
    sink.refuseWith(null);
    expect(await h.settled(retried.id)).toMatchObject({ status: 'sent' });
    expect(
      sink.accepted.filter((x) => x.header('message-id')?.startsWith(`<${retried.id}@`)),
    ).toHaveLength(1);
    sink.refuseWith(550);
    const refused = await send(receipt());
    const settled = await h.settled(refused.id);
    sink.refuseWith(null);
    expect(settled).toMatchObject({ status: 'failed', attempts: 1 });
    expect(settled['last_error']).toMatch(/^SMTP 550/);
  });

  it('sends SMS to members who opted in, with the delivery id as idempotency key; 429 retried, 21211 final', async () => {
    const m = h.identity.addMember({ phone: '+351912345678' });
    const token = await h.tokens.sign(m.id, 'member');
    const smsOn = [{ category: 'transactional', channel: 'sms', enabled: true }];
    expect(
      (await h.call('PUT', `/api/notifications/preferences/${m.id}`, token, { preferences: smsOn }))
        .status,
    ).toBe(200);
    const orderId = newId();
    twilio.failNext(429);
    const n = await send({
      template: 'order_shipped',
      member_id: m.id,
      data: { order_id: orderId },
      channels: ['sms'],
    });
    const settled = await h.settled(n.id);
    const [sms] = twilio.messages.filter((x) => x.to === m.phone);
    expect(twilio.messages.filter((x) => x.to === m.phone)).toHaveLength(1);
    expect(sms).toMatchObject({
      from: twilioFrom,
      body: `Redemption: order ${orderId.slice(0, 8).toUpperCase()} has shipped.`,
      idempotencyKey: n.id,
    });
    expect(settled).toMatchObject({
      status: 'sent',
      provider: 'twilio',
      provider_message_id: sms!.sid,
      attempts: 2,
    });

    const wrong = h.identity.addMember({ phone: invalidTwilioNumber });
    const wrongToken = await h.tokens.sign(wrong.id, 'member');
    await h.call('PUT', `/api/notifications/preferences/${wrong.id}`, wrongToken, {
      preferences: smsOn,
    });
    const bad = await send({
      template: 'order_shipped',
      member_id: wrong.id,
      data: { order_id: newId() },
      channels: ['sms'],
    });
    const failed = await h.settled(bad.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed['last_error']).toContain('21211');
  });
});
