/**
 * The spike's steady mix: checkouts (points + card), redemptions (they may be deferred:
 * `Prefer: respond-async`, so a full ledger queue answers 202) and drop claims (answered now:
 * a full queue is a 429). Each request has its own Idempotency-Key and a member's token in turn.
 */
import { randomUUID } from 'node:crypto';
import type { Shot } from './open-loop.ts';

export interface MixTarget {
  base: string;
  memberTokens: readonly string[];
  orderBodies: readonly unknown[];
  dropId: string;
}

export const kinds = ['checkout', 'redemption', 'claim'] as const;
const redemptionPoints = 100;

async function post(
  url: string,
  token: string,
  body: unknown,
  signal: AbortSignal,
  extra: Record<string, string> = {},
): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
      ...extra,
    },
    body: JSON.stringify(body),
    signal,
  });
  await res.arrayBuffer();
  return res.status;
}

/** The next request of the mix, round robin over kinds and members. */
export function mixOf(t: MixTarget): () => Shot {
  let n = 0;
  return () => {
    const i = n++;
    const token = t.memberTokens[Math.floor(i / kinds.length) % t.memberTokens.length]!;
    const kind = kinds[i % kinds.length]!;
    if (kind === 'checkout') {
      const body = t.orderBodies[i % t.orderBodies.length];
      return { kind, send: (s) => post(`${t.base}/api/orders`, token, body, s) };
    }
    if (kind === 'redemption') {
      const body = { points: redemptionPoints, reference: `spike-${i}` };
      const prefer = { prefer: 'respond-async' };
      return {
        kind,
        send: (s) => post(`${t.base}/api/loyalty/redemptions`, token, body, s, prefer),
      };
    }
    const url = `${t.base}/api/loyalty/drops/${t.dropId}/claims`;
    return { kind, send: (s) => post(url, token, {}, s) };
  };
}
