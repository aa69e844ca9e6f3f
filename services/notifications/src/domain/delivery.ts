import { createHash } from 'node:crypto';
import type { Channel } from './kinds.ts';

export const deliveryStatuses = [
  'pending',
  'sending',
  'sent',
  'failed',
  'dead',
  'skipped',
] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * The id of "this message on this channel to this recipient because of this cause" (an event
 * id, a send request, a day's expiry warning): the same inputs give the same id on every pod
 * and after any crash, so a second insert is a no-op and a message is recorded once.
 * A UUID (version 8, RFC 9562: custom) made of the first 122 bits of a SHA-256.
 */
export function deliveryId(cause: string, channel: Channel, recipient: string): string {
  const h = createHash('sha256').update(`${cause}\n${channel}\n${recipient}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface RetryPolicy {
  attemptsMax: number;
  baseMs: number;
  maxMs: number;
}

/** First retry after about 5 s, doubling to at most 30 min: a relay down for an hour is ridden out. */
export const retryBaseMs = 5_000;
export const retryMaxMs = 30 * 60_000;

/** The pause before attempt `attempt + 1`: exponential, capped, with ±20% jitter. */
export function retryDelayMs(
  attempt: number,
  p: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.8 + random() * 0.4));
}

/** What to do after a failed send. */
export function afterFailure(
  attempts: number,
  permanent: boolean,
  p: RetryPolicy,
): { status: 'failed' | 'dead' } | { status: 'pending'; delayMs: number } {
  if (permanent) return { status: 'failed' };
  if (attempts >= p.attemptsMax) return { status: 'dead' };
  return { status: 'pending', delayMs: retryDelayMs(attempts, p) };
}
