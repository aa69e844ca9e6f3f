import { createHmac, timingSafeEqual } from 'node:crypto';
import { categories, channels, type Category, type Channel } from './kinds.ts';

/** What an unsubscribe link turns off: one category on one channel of one member. */
export interface UnsubscribeClaim {
  memberId: string;
  category: Category;
  channel: Channel;
}

const version = 'u1';
const tokenLengthMax = 400;

const sign = (key: string, body: string): string =>
  createHmac('sha256', key).update(`${version}.${body}`).digest('base64url');

/**
 * A link that works without signing in (RFC 8058 one-click: the mail client POSTs it), so it is
 * signed (HMAC-SHA256) and names exactly what it turns off. It does not expire: a years-old mail's
 * link must still unsubscribe, and it can do nothing else.
 */
export function unsubscribeToken(key: string, c: UnsubscribeClaim): string {
  const body = Buffer.from(JSON.stringify([c.memberId, c.category, c.channel])).toString(
    'base64url',
  );
  return `${version}.${body}.${sign(key, body)}`;
}

/** The claim of a valid token; null for anything forged, altered or malformed. */
export function readUnsubscribeToken(key: string, token: string): UnsubscribeClaim | null {
  if (token.length > tokenLengthMax) return null;
  const [v, body, mac] = token.split('.');
  if (v !== version || !body || !mac) return null;
  const expected = Buffer.from(sign(key, body));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const [memberId, category, channel] = JSON.parse(
      Buffer.from(body, 'base64url').toString(),
    ) as unknown[];
    if (typeof memberId !== 'string' || !categories.includes(category as Category)) return null;
    if (!channels.includes(channel as Channel)) return null;
    return { memberId, category: category as Category, channel: channel as Channel };
  } catch {
    return null;
  }
}
