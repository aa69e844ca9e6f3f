import { DateTime, Nullable, OneOf, Uuid } from '@redemption/kernel';
import { Type } from 'typebox';
import { deliveryStatuses } from '../domain/delivery.ts';
import { categories, channels, locales, templateNames } from '../domain/kinds.ts';

/** Most items one list returns. */
export const pageSizeMax = 100;
const pageSizeDefault = 20;
/** Longest push endpoint accepted (push services' URLs are a few hundred characters). */
const endpointLengthMax = 2_048;
const dataValueLengthMax = 500;
const dataKeysMax = 20;

const Template = OneOf(templateNames, { description: 'which message' });
const Channel = OneOf(channels);
const Category = OneOf(categories);

export const SendBody = Type.Object(
  {
    template: Template,
    member_id: Uuid,
    data: Type.Record(
      Type.String({ pattern: '^[a-z_]{1,40}$' }),
      Type.Union([Type.String({ maxLength: dataValueLengthMax }), Type.Integer()]),
      {
        maxProperties: dataKeysMax,
        description: "the template's values (e.g. order_id, amount_minor, currency)",
        examples: [{ order_id: '0192f5c4-7f1e-7a3b-9c2d-5e6f7a8b9c0d' }],
      },
    ),
    channels: Type.Optional(
      Type.Array(Channel, {
        minItems: 1,
        maxItems: 3,
        uniqueItems: true,
        description: 'default: every channel the member wants',
      }),
    ),
  },
  { additionalProperties: false },
);

export const NotificationView = Type.Object({
  id: Uuid,
  template: Type.String(),
  category: Type.String(),
  channel: Type.String(),
  member_id: Type.String(),
  status: OneOf(deliveryStatuses),
  attempts: Type.Integer(),
  provider: Nullable(Type.String()),
  provider_message_id: Nullable(Type.String()),
  address: Nullable(Type.String()),
  subject: Nullable(Type.String()),
  last_error: Nullable(Type.String()),
  created_at: DateTime,
  sent_at: Nullable(DateTime),
  next_attempt_at: DateTime,
});
export const SendView = Type.Object({ notifications: Type.Array(NotificationView) });
export const NotificationPage = Type.Object({ items: Type.Array(NotificationView) });

export const ListQuery = Type.Object({
  member_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  status: Type.Optional(OneOf(deliveryStatuses)),
  before: Type.Optional(DateTime),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: pageSizeMax, default: pageSizeDefault }),
  ),
});

export const IdParams = Type.Object({ id: Uuid });
export const MemberParams = Type.Object({ memberId: Uuid });

const PreferenceItem = Type.Object(
  { category: Category, channel: Channel, enabled: Type.Boolean() },
  { additionalProperties: false },
);
export const PreferencesBody = Type.Object(
  {
    locale: Type.Optional(OneOf(locales)),
    preferences: Type.Optional(Type.Array(PreferenceItem, { maxItems: 6 })),
  },
  { additionalProperties: false },
);
export const PreferencesView = Type.Object({
  member_id: Type.String(),
  locale: Type.String(),
  preferences: Type.Array(
    Type.Object({
      category: Type.String(),
      channel: Type.String(),
      enabled: Type.Boolean(),
      locked: Type.Boolean(),
    }),
  ),
});

export const UnsubscribeQuery = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 400 }),
});
export const UnsubscribeView = Type.Object({ unsubscribed: Type.Literal(true) });

export const PushSubscriptionBody = Type.Object(
  {
    endpoint: Type.String({ format: 'uri', pattern: '^https://', maxLength: endpointLengthMax }),
    keys: Type.Object(
      {
        p256dh: Type.String({ pattern: '^[A-Za-z0-9_-]{80,100}$' }),
        auth: Type.String({ pattern: '^[A-Za-z0-9_-]{16,32}$' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export const PushSubscriptionView = Type.Object({ id: Uuid, endpoint: Type.String() });
export const PushKeyView = Type.Object({ public_key: Nullable(Type.String()) });

export const MailboxQuery = Type.Object({
  recipient: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
  before: Type.Optional(DateTime),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: pageSizeMax, default: pageSizeDefault }),
  ),
});
const MailboxFields = {
  id: Uuid,
  channel: Type.String(),
  recipient: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  headers: Type.Record(Type.String(), Type.String()),
  created_at: DateTime,
};
export const MailboxPage = Type.Object({ items: Type.Array(Type.Object(MailboxFields)) });
export const MailboxMessageView = Type.Object({ ...MailboxFields, html: Nullable(Type.String()) });
