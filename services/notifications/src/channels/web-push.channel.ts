import webpush from 'web-push';
import { PermanentSendError, type ChannelProvider } from './channel.ts';

export interface WebPushOptions {
  publicKey: string;
  privateKey: string;
  subject: string;
  timeoutMs: number;
}

/** How long a push service keeps a message for an offline browser. */
const pushTtlS = 24 * 3600;

/**
 * Web Push (RFC 8030) with VAPID (RFC 8292) through the web-push library: the payload is
 * encrypted for the browser's keys (RFC 8291, aes128gcm). `Topic` is the delivery id (32 hex
 * characters fit the header's 32 base64url ones): a push service replaces a message still
 * waiting with the same topic, so a resend after a lost reply does not show twice.
 * 404/410: the subscription is gone for good (forgotten); 400/413: this message never passes.
 */
export function webPushChannel(o: WebPushOptions): ChannelProvider {
  const vapidDetails = { subject: o.subject, publicKey: o.publicKey, privateKey: o.privateKey };
  return {
    channel: 'push',
    provider: 'web-push',
    async send(m) {
      if (!m.push) throw new PermanentSendError('a push message needs the subscription keys');
      const payload = JSON.stringify({ title: m.push.title, body: m.push.body, url: m.push.url });
      try {
        const res = await webpush.sendNotification(
          { endpoint: m.to, keys: { p256dh: m.push.p256dh, auth: m.push.auth } },
          payload,
          {
            vapidDetails,
            TTL: pushTtlS,
            topic: m.deliveryId.replace(/-/g, ''),
            urgency: 'normal',
            timeout: o.timeoutMs,
          },
        );
        return { provider: 'web-push', providerMessageId: res.headers['location'] ?? null };
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode;
        if (status === 404 || status === 410)
          throw new PermanentSendError(`push subscription gone (${status})`, true);
        if (status === 400 || status === 413)
          throw new PermanentSendError(`push service refused the message (${status})`);
        throw err;
      }
    },
  };
}
