import { createTransport } from 'nodemailer';
import { PermanentSendError, type ChannelProvider } from './channel.ts';

/** RFC 5321 §4.2.1: a 5yz reply is a permanent failure; sending again gets the same answer. */
const isPermanentResponseCode = (code: number): boolean => code >= 500 && code < 600;

/** Connections kept open to the relay (nodemailer's pool). */
const smtpConnectionsMax = 4;

export interface SmtpOptions {
  smtpUrl: string;
  from: string;
  timeoutMs: number;
}

/** The domain of the From address: the right-hand side of every Message-ID. */
export function messageIdDomain(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from);
  return match?.[1] ?? 'redemption.local';
}

/**
 * E-mail through an SMTP relay (nodemailer). SMTP has no idempotency key; the Message-ID is the
 * delivery's id, so a copy sent again after a lost reply carries the same Message-ID
 * (docs/decisions/019-notifications-delivery.md).
 */
export function smtpChannel(o: SmtpOptions): ChannelProvider {
  const transport = createTransport({
    url: o.smtpUrl,
    pool: true,
    maxConnections: smtpConnectionsMax,
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
  });
  const domain = messageIdDomain(o.from);
  return {
    channel: 'email',
    provider: 'smtp',
    async send(m) {
      try {
        const info = await transport.sendMail({
          from: o.from,
          to: m.to,
          subject: m.subject,
          text: m.text,
          ...(m.html ? { html: m.html } : {}),
          headers: m.headers,
          messageId: `<${m.deliveryId}@${domain}>`,
        });
        return { provider: 'smtp', providerMessageId: info.messageId };
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        // 5xx: the relay refused this message for good (unknown mailbox, policy).
        if (typeof code === 'number' && isPermanentResponseCode(code))
          throw new PermanentSendError(`SMTP ${code}: ${(err as Error).message}`);
        throw err;
      }
    },
    async close() {
      transport.close();
    },
  };
}
