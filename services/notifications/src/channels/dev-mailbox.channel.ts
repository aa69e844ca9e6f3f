import type { Db } from '@redemption/kernel';
import type { Channel } from '../domain/kinds.ts';
import { mailboxRepository } from '../store/mailbox.repository.ts';
import type { ChannelProvider } from './channel.ts';

/**
 * The standalone default for a channel with no provider configured: the message is stored in
 * the notifications schema, where admins read it (GET /api/notifications/mailbox and the web
 * app's admin console). Stored under the delivery's id, so it is there once whatever happens.
 */
export function devMailboxChannel(db: Db, channel: Channel): ChannelProvider {
  return {
    channel,
    provider: 'dev-mailbox',
    async send(m) {
      await mailboxRepository.store(db, {
        id: m.deliveryId,
        channel,
        recipient: m.to,
        subject: m.subject,
        text: m.text,
        html: m.html,
        headers: m.headers,
      });
      return { provider: 'dev-mailbox', providerMessageId: m.deliveryId };
    },
  };
}
