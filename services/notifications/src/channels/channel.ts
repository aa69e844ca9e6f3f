import type { Channel } from '../domain/kinds.ts';

/** One message to one address, ready for a provider. */
export interface OutgoingMessage {
  /** The delivery's id: the provider's idempotency key, the Message-ID, the push Topic. */
  deliveryId: string;
  channel: Channel;
  /** An e-mail address, a phone number (E.164) or a push endpoint. */
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** Extra mail headers (List-Unsubscribe, List-Unsubscribe-Post). */
  headers: Record<string, string>;
  /** A push message's keys (from the browser's subscription) and what the notification shows. */
  push?: { p256dh: string; auth: string; title: string; body: string; url: string };
}

export interface SendResult {
  provider: string;
  /** The provider's id of what it accepted (SMTP Message-ID, Twilio SID, push location). */
  providerMessageId: string | null;
}

/** Every channel's providers look the same to the dispatcher. */
export interface ChannelProvider {
  channel: Channel;
  /** `smtp`, `twilio`, `web-push`, `dev-mailbox`: the rate limit's key and the delivery log's. */
  provider: string;
  send(m: OutgoingMessage): Promise<SendResult>;
  close?(): Promise<void>;
}

/**
 * Sending again cannot help (a refused address, an unknown number, a push subscription that is
 * gone): the delivery fails at once instead of retrying. Anything else thrown is retried.
 */
export class PermanentSendError extends Error {
  /** The push subscription or address to forget (push 404/410). */
  readonly gone: boolean;
  constructor(message: string, gone = false) {
    super(message);
    this.gone = gone;
  }
}
