import type { App } from '@redemption/kernel';
import { problemResponses, requirePrincipal, requireSelfOrAdmin } from '@redemption/kernel';
import type { NotificationsService } from '../app/notifications.service.ts';
import {
  MemberParams,
  PreferencesBody,
  PreferencesView,
  PushKeyView,
  PushSubscriptionBody,
  PushSubscriptionView,
} from './notifications.schemas.ts';
import { tags } from './notifications.routes.ts';

/** A member's choices per channel and category, language, and browsers for Web Push. */
export async function preferencesRoutes(
  app: App,
  deps: { service: NotificationsService; vapidPublicKey: string | null },
): Promise<void> {
  const { service } = deps;
  const view = async (memberId: string) => ({
    member_id: memberId,
    ...(await service.preferences(memberId)),
  });

  app.get('/api/notifications/preferences/:memberId', {
    config: { revocationCheck: 'always' },
    schema: {
      tags,
      operationId: 'getNotificationPreferences',
      summary: 'What a member gets where (members: their own); transactional e-mail is always on',
      params: MemberParams,
      response: { 200: PreferencesView, ...problemResponses(404) },
    },
    handler: async (req) => {
      requireSelfOrAdmin(req, req.params.memberId, 'member');
      return view(req.params.memberId);
    },
  });

  app.put('/api/notifications/preferences/:memberId', {
    schema: {
      tags,
      operationId: 'setNotificationPreferences',
      summary: 'Turn categories on or off per channel, choose the language (members: their own)',
      description: '422 `preference-locked` for turning transactional e-mail off.',
      params: MemberParams,
      body: PreferencesBody,
      response: { 200: PreferencesView, ...problemResponses(404, 422) },
    },
    handler: async (req) => {
      requireSelfOrAdmin(req, req.params.memberId, 'member');
      await service.setPreferences(
        req.params.memberId,
        req.body.locale,
        req.body.preferences ?? [],
      );
      return view(req.params.memberId);
    },
  });

  app.post('/api/notifications/push-subscriptions', {
    schema: {
      tags,
      operationId: 'subscribePush',
      summary: "Register this browser's Web Push subscription for the signed-in member",
      body: PushSubscriptionBody,
      response: { 201: PushSubscriptionView },
    },
    handler: async (req, reply) => {
      const who = requirePrincipal(req);
      const { endpoint, keys } = req.body;
      const saved = await service.subscribePush(who.id, { endpoint, ...keys });
      return reply.code(201).send({ id: saved.id, endpoint: saved.endpoint });
    },
  });

  app.get('/api/notifications/push-key', {
    config: { public: true },
    schema: {
      tags,
      operationId: 'getPushKey',
      summary:
        'The VAPID public key browsers subscribe with (null when Web Push is not configured)',
      response: { 200: PushKeyView },
    },
    handler: async () => ({ public_key: deps.vapidPublicKey }),
  });
}
