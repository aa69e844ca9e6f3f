import type { App } from '@redemption/kernel';
import { problemResponses, requireAdmin } from '@redemption/kernel';
import type { NotificationsService, MailboxMessage } from '../app/notifications.service.ts';
import {
  IdParams,
  MailboxMessageView,
  MailboxPage,
  MailboxQuery,
} from './notifications.schemas.ts';
import { tags } from './notifications.routes.ts';

const view = (m: MailboxMessage) => ({
  id: m.id,
  channel: m.channel,
  recipient: m.recipient,
  subject: m.subject,
  text: m.text,
  headers: m.headers,
  created_at: m.createdAt.toISOString(),
});

/**
 * The dev mailbox: what the channels without a provider "sent". Admins only: a reset link in it
 * opens that member's account (an admin can change a member's e-mail anyway).
 */
export async function mailboxRoutes(
  app: App,
  deps: { service: NotificationsService },
): Promise<void> {
  app.get('/api/notifications/mailbox', {
    schema: {
      tags,
      operationId: 'listDevMailbox',
      summary: 'Messages in the dev mailbox, newest first (admin)',
      querystring: MailboxQuery,
      response: { 200: MailboxPage, ...problemResponses(403) },
    },
    handler: async (req) => {
      requireAdmin(req);
      const { recipient, before, limit } = req.query;
      const items = await deps.service.mailbox({
        ...(recipient ? { recipient } : {}),
        ...(before ? { before: new Date(before) } : {}),
        limit: limit ?? 20,
      });
      return { items: items.map(view) };
    },
  });

  app.get('/api/notifications/mailbox/:id', {
    schema: {
      tags,
      operationId: 'getDevMailboxMessage',
      summary: 'One dev mailbox message with its HTML (admin)',
      params: IdParams,
      response: { 200: MailboxMessageView, ...problemResponses(403, 404) },
    },
    handler: async (req) => {
      requireAdmin(req);
      const m = await deps.service.mailboxMessage(req.params.id);
      return { ...view(m), html: m.html };
    },
  });
}
