import { Type } from 'typebox';
import { defineEvent } from './define-event.ts';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });

/**
 * A member asked for a password reset and identity recorded the request (`request_id`). No
 * token travels on the bus: the sender asks identity for a fresh one when it sends the mail
 * (`IdentityClient.resetDelivery`), so whoever reads topics, the outbox or dead letters learns
 * nothing that opens an account (docs/decisions/019-notifications-delivery.md).
 */
export const passwordResetRequested = defineEvent(
  'password_reset_requested',
  'identity',
  Type.Object({ request_id: Uuid, member_id: Uuid, expires_at: DateTime }),
);

/**
 * A member asked to change their e-mail; the confirmation goes to the new address. Neither the
 * address nor the token is on the event: the sender gets both from identity when it sends.
 */
export const emailChangeRequested = defineEvent(
  'email_change_requested',
  'identity',
  Type.Object({ request_id: Uuid, member_id: Uuid, expires_at: DateTime }),
);

export const identityEvents = [passwordResetRequested, emailChangeRequested];
