import {
  emailChangeRequested,
  memberRegistered,
  orderDelivered,
  orderPaid,
  orderShipped,
  passwordResetRequested,
  paymentFailed,
  paymentRefunded,
  paymentSucceeded,
  pointsEarned,
} from '@redemption/contracts';
import type { Subscription } from '@redemption/kernel';
import { intentsFor } from '../domain/event-intents.ts';
import { enqueue } from './enqueue.ts';

export const notificationsGroup = 'notifications';
export const notificationsTopics: readonly string[] = ['identity', 'orders', 'payments', 'loyalty'];

/**
 * The consumer group `notifications` on identity, orders, payments and loyalty. It only records
 * deliveries, in the event's inbox transaction (the inbox row and the deliveries commit
 * together): sending happens in the dispatcher job, never while the transaction is open.
 */
export const notificationsSubscription = (
  group: string = notificationsGroup,
  topics: readonly string[] = notificationsTopics,
): Subscription => ({
  group,
  topics: [...topics],
  definitions: [
    memberRegistered,
    passwordResetRequested,
    emailChangeRequested,
    orderPaid,
    orderShipped,
    orderDelivered,
    paymentSucceeded,
    paymentFailed,
    paymentRefunded,
    pointsEarned,
  ],
  handler: async (event, q) => {
    const intents = intentsFor(event);
    if (intents.length > 0) await enqueue(q, event.id, intents);
  },
});
