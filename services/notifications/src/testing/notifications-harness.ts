import { startModule, type ModuleHarness, type Reply } from '@redemption/kernel/testing';
import { createNotificationsModule, type NotificationsModuleOptions } from '../index.ts';
import { fakeIdentity, type FakeIdentity } from './fake-identity.ts';

export interface NotificationsHarness extends ModuleHarness {
  identity: FakeIdentity;
  /** Polls a notification until it is settled (not pending or sending); returns its view. */
  settled(id: string, timeoutMs?: number): Promise<Record<string, any>>;
}

/** The base URL links in test mails start with. */
export const testPublicUrl = 'https://redemption.test';
const pollMs = 25;

/**
 * Notifications as `redemption serve notifications` builds it, with a fake identity in the
 * process and loyalty unreachable (its jobs fail quietly; tests call them with a fake client).
 */
export async function startNotifications(
  opts: {
    databaseUrl?: string;
    env?: Record<string, string>;
    module?: NotificationsModuleOptions;
  } = {},
): Promise<NotificationsHarness> {
  const identity = fakeIdentity();
  const h = await startModule(createNotificationsModule(opts.module), {
    alongside: [identity.module],
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    env: {
      LOYALTY_URL: 'http://127.0.0.1:9',
      PUBLIC_URL: testPublicUrl,
      NOTIFICATION_RETRY_BASE_MS: '20',
      ...opts.env,
    },
  });
  return {
    ...h,
    identity,
    async settled(id, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res: Reply = await h.call('GET', `/api/notifications/${id}`, h.adminToken);
        if (res.status !== 200) throw new Error(`GET notification ${id}: ${res.status}`);
        if (!['pending', 'sending'].includes(res.body['status'])) return res.body;
        if (Date.now() > deadline)
          throw new Error(`notification ${id} still ${res.body['status']}`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
  };
}
