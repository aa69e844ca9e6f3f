/** Why a member gets a message: transactional is always on for e-mail; marketing is opt-in. */
export const categories = ['transactional', 'marketing'] as const;
export type Category = (typeof categories)[number];

export const channels = ['email', 'sms', 'push'] as const;
export type Channel = (typeof channels)[number];

/** Languages the templates are written in; a member's choice is a preference (`locale`). */
export const locales = ['en', 'fr'] as const;
export type Locale = (typeof locales)[number];
export const localeDefault: Locale = 'en';

export const templateNames = [
  'password_reset',
  'email_change',
  'welcome',
  'order_confirmation',
  'payment_receipt',
  'payment_failed',
  'order_shipped',
  'order_delivered',
  'refund',
  'points_earned',
  'points_expiring',
  'drop_opening',
] as const;
export type TemplateName = (typeof templateNames)[number];

export interface TemplateSpec {
  category: Category;
  /** Where it may go. A link that opens an account (reset, e-mail change) goes by e-mail only. */
  channels: readonly Channel[];
}

const everywhere: readonly Channel[] = channels;

export const templateSpecs: Readonly<Record<TemplateName, TemplateSpec>> = {
  password_reset: { category: 'transactional', channels: ['email'] },
  email_change: { category: 'transactional', channels: ['email'] },
  welcome: { category: 'transactional', channels: ['email'] },
  order_confirmation: { category: 'transactional', channels: everywhere },
  payment_receipt: { category: 'transactional', channels: ['email'] },
  payment_failed: { category: 'transactional', channels: everywhere },
  order_shipped: { category: 'transactional', channels: everywhere },
  order_delivered: { category: 'transactional', channels: everywhere },
  refund: { category: 'transactional', channels: everywhere },
  points_earned: { category: 'transactional', channels: everywhere },
  points_expiring: { category: 'transactional', channels: everywhere },
  drop_opening: { category: 'marketing', channels: everywhere },
};

export const isTemplateName = (s: string): s is TemplateName =>
  (templateNames as readonly string[]).includes(s);
export const isLocale = (s: string): s is Locale => (locales as readonly string[]).includes(s);
