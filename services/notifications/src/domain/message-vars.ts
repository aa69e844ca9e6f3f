import type { Locale, TemplateName } from './kinds.ts';
import type { MessageVars } from './render.ts';

/** What a delivery keeps of its event: raw values, formatted in the member's language at send. */
export type Payload = Readonly<Record<string, string | number | null>>;

/** A token minted by identity at send time (reset, e-mail change); never stored here. */
export interface MintedToken {
  token: string;
  expiresAt: string;
}

const str = (p: Payload, key: string): string => {
  const v = p[key];
  if (v === undefined || v === null) throw new Error(`payload.${key} is missing`);
  return String(v);
};
const num = (p: Payload, key: string): number => {
  const v = p[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v))
    throw new Error(`payload.${key} is not an integer`);
  return v;
};

/** Integer minor units as the member reads money in their language (display only). */
export function formatMoney(amountMinor: number, currency: string, locale: Locale): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountMinor / 10 ** digits);
}

export const formatDate = (iso: string, locale: Locale): string =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));

export const formatTime = (iso: string, locale: Locale): string =>
  `${new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(new Date(iso))} UTC`;

const formatPoints = (n: number, locale: Locale): string => new Intl.NumberFormat(locale).format(n);

/** What members see of an order id: its first 8 characters, as the web app shows it. */
export const orderRef = (orderId: string): string => orderId.slice(0, 8).toUpperCase();

export interface VarsInput {
  template: TemplateName;
  payload: Payload;
  locale: Locale;
  /** The member's name as shown (full name, else username). */
  name: string;
  /** The web app's public base URL, without a trailing slash. */
  baseUrl: string;
  minted: MintedToken | null;
}

/** The placeholders' values and the link of a message. */
export function messageVars(i: VarsInput): MessageVars & { link: string } {
  const { payload: p, locale, baseUrl } = i;
  const order = () => ({
    order: orderRef(str(p, 'order_id')),
    link: `${baseUrl}/orders/${str(p, 'order_id')}`,
  });
  const money = (key: string) => formatMoney(num(p, key), str(p, 'currency'), locale);
  const base = { name: i.name };
  switch (i.template) {
    case 'password_reset':
    case 'email_change': {
      if (!i.minted) throw new Error(`${i.template} needs a minted token`);
      const page = i.template === 'password_reset' ? 'reset-password' : 'confirm-email';
      // The token rides in the fragment, which browsers never send to a server (or a log).
      const link = `${baseUrl}/${page}#token=${encodeURIComponent(i.minted.token)}`;
      return { ...base, link, expires: formatTime(i.minted.expiresAt, locale) };
    }
    case 'welcome':
      return { ...base, link: `${baseUrl}/` };
    case 'order_confirmation':
      return { ...base, ...order(), total: money('amount_minor') };
    case 'payment_receipt':
      return { ...base, ...order(), amount: money('amount_minor'), payment: str(p, 'payment_id') };
    case 'payment_failed':
      return { ...base, ...order(), amount: money('amount_minor'), reason: str(p, 'reason') };
    case 'order_shipped':
    case 'order_delivered':
      return { ...base, ...order() };
    case 'refund':
      return { ...base, ...order(), amount: money('amount_minor') };
    case 'points_earned':
      return {
        ...base,
        points: formatPoints(num(p, 'points'), locale),
        link: `${baseUrl}/account`,
      };
    case 'points_expiring':
      return {
        ...base,
        points: formatPoints(num(p, 'points'), locale),
        date: formatDate(str(p, 'expires_at'), locale),
        link: `${baseUrl}/account`,
      };
    case 'drop_opening':
      return {
        ...base,
        drop: str(p, 'drop_name'),
        time: formatTime(str(p, 'opens_at'), locale),
        points: formatPoints(num(p, 'points_price'), locale),
        link: `${baseUrl}/drops/${str(p, 'drop_id')}`,
      };
  }
}
