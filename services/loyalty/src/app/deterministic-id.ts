import { createHash } from 'node:crypto';

/** Namespace of loyalty's name-based ids (a fixed random UUID; changing it changes every id). */
const loyaltyNamespace = '5b0c6f2e-8d1a-4c7e-9f3b-2a6d4e8c1f07';

/**
 * A name-based UUID (version 5, RFC 9562: SHA-1 of namespace + name): the same name always
 * gives the same id. Written here on node:crypto rather than importing `uuid`, which is the
 * kernel's dependency, not loyalty's (and the lockfile is not ours to change).
 */
export function nameBasedId(name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(loyaltyNamespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The ledger transaction that earns an order's points. */
export const orderEarnId = (orderId: string): string => nameBasedId(`order:${orderId}:earn`);

/**
 * The reversal that settles an order's refunds from `settledBefore` points onward: two workers
 * that read the same state derive the same id, and the ledger applies only the first.
 */
export const orderReversalId = (orderId: string, settledBefore: number): string =>
  nameBasedId(`order:${orderId}:reversal-from:${settledBefore}`);
