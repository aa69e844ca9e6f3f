import type { Db } from '@redemption/kernel';
import type { Channel } from '../domain/kinds.ts';
import type { ChannelProvider } from './channel.ts';
import { devMailboxChannel } from './dev-mailbox.channel.ts';
import { smtpChannel } from './smtp.channel.ts';
import { twilioSmsChannel } from './twilio-sms.channel.ts';
import { webPushChannel } from './web-push.channel.ts';

export interface ChannelSettings {
  smtpUrl?: string | undefined;
  mailFrom: string;
  twilioAccountSid?: string | undefined;
  twilioAuthToken?: string | undefined;
  twilioFrom?: string | undefined;
  twilioApiBase: string;
  vapidPublicKey?: string | undefined;
  vapidPrivateKey?: string | undefined;
  vapidSubject: string;
  notificationSendTimeoutMs: number;
}

export type Channels = Readonly<Record<Channel, ChannelProvider>>;

/** A real provider for each channel that is configured, the dev mailbox for the others. */
export function createChannels(c: ChannelSettings, db: Db): Channels {
  const timeoutMs = c.notificationSendTimeoutMs;
  const twilio = c.twilioAccountSid && c.twilioAuthToken && c.twilioFrom;
  const vapid = c.vapidPublicKey && c.vapidPrivateKey;
  return {
    email: c.smtpUrl
      ? smtpChannel({ smtpUrl: c.smtpUrl, from: c.mailFrom, timeoutMs })
      : devMailboxChannel(db, 'email'),
    sms: twilio
      ? twilioSmsChannel({
          accountSid: c.twilioAccountSid!,
          authToken: c.twilioAuthToken!,
          from: c.twilioFrom!,
          apiBase: c.twilioApiBase,
          timeoutMs,
        })
      : devMailboxChannel(db, 'sms'),
    push: vapid
      ? webPushChannel({
          publicKey: c.vapidPublicKey!,
          privateKey: c.vapidPrivateKey!,
          subject: c.vapidSubject,
          timeoutMs,
        })
      : devMailboxChannel(db, 'push'),
  };
}

/** What start-up logs: which channel goes where (no secrets). */
export const channelSummary = (ch: Channels): Record<Channel, string> => ({
  email: ch.email.provider,
  sms: ch.sms.provider,
  push: ch.push.provider,
});
