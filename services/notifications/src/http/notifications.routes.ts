import type { App, Idempotency } from '@redemption/kernel';
import {
  IdempotencyKeyHeader,
  isPrivileged,
  notFound,
  problemResponses,
  requireAdmin,
  requirePrincipal,
} from '@redemption/kernel';
import type { NotificationsService, Delivery } from '../app/notifications.service.ts';
import {
  IdParams,
  ListQuery,
  NotificationPage,
  NotificationView,
  SendBody,
  SendView,
} from './notifications.schemas.ts';

export const tags = ['notifications'];
const sendScope = 'notifications.send';

export const notificationView = (d: Delivery) => ({
  id: d.id,
  template: d.template,
  category: d.category,
  channel: d.channel,
  member_id: d.memberId,
  status: d.status,
  attempts: d.attempts,
  provider: d.provider,
  provider_message_id: d.providerMessageId,
  address: d.address,
  subject: d.subject,
  last_error: d.lastError,
  created_at: d.createdAt.toISOString(),
  sent_at: d.sentAt?.toISOString() ?? null,
  next_attempt_at: d.nextAttemptAt.toISOString(),
});

/** Sending (admin or another service), a notification's state, the delivery log. */
export async function notificationsRoutes(
  app: App,
  deps: { service: NotificationsService; idempotency: Idempotency },
): Promise<void> {
  const { service } = deps;

  app.post('/api/notifications/send', {
    schema: {
      tags,
      operationId: 'sendNotification',
      summary: 'Send a message to a member on the channels they want (admin or service)',
      description:
        "202: recorded, sent by the dispatcher (one notification per channel; GET each for its state). 422 `no-channel` when the member wants it on none of them, `template-not-sendable` for password_reset and email_change (sent from identity's events only).",
      headers: IdempotencyKeyHeader,
      body: SendBody,
      response: { 202: SendView, ...problemResponses(403, 422) },
    },
    handler: async (req, reply) => {
      const who = requireAdmin(req);
      const cause = `send:${who.id}:${String(req.headers['idempotency-key'])}`;
      return deps.idempotency.respond(
        req,
        reply,
        { scope: sendScope, required: true },
        async () => {
          const sent = await service.send(cause, {
            template: req.body.template,
            memberId: req.body.member_id,
            data: req.body.data,
            channels: req.body.channels,
          });
          return { statusCode: 202, body: { notifications: sent.map(notificationView) } };
        },
      );
    },
  });

  app.get('/api/notifications', {
    schema: {
      tags,
      operationId: 'listNotifications',
      summary: 'The delivery log, newest first (admin); status=dead lists the dead letters',
      querystring: ListQuery,
      response: { 200: NotificationPage, ...problemResponses(403) },
    },
    handler: async (req) => {
      requireAdmin(req);
      const { member_id, status, before, limit } = req.query;
      const items = await service.list({
        ...(member_id ? { memberId: member_id } : {}),
        ...(status ? { status } : {}),
        ...(before ? { before: new Date(before) } : {}),
        limit: limit ?? 20,
      });
      return { items: items.map(notificationView) };
    },
  });

  app.get('/api/notifications/:id', {
    schema: {
      tags,
      operationId: 'getNotification',
      summary: "A notification's state (members: their own)",
      params: IdParams,
      response: { 200: NotificationView, ...problemResponses(404) },
    },
    handler: async (req) => {
      const who = requirePrincipal(req);
      const d = await service.get(req.params.id);
      if (!d || (!isPrivileged(who) && d.memberId !== who.id)) throw notFound('notification');
      return notificationView(d);
    },
  });
}
