import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';

/** Something that answers HTTP requests: an app's `inject`, or fetch against a base URL. */
export type Send = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  token: string | null,
  body?: unknown,
) => Promise<{ status: number; body: Record<string, any> }>;

const password = 'a long enough passphrase';

/** Over HTTP, with a fresh Idempotency-Key on every write. */
export function httpSend(baseUrl: string): Send {
  return async (method, url, token, body) => {
    const res = await fetch(`${baseUrl}${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(method === 'GET' ? {} : { 'idempotency-key': randomUUID() }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {} };
  };
}

/** Registers a member through identity and signs them in. */
export async function signedInMember(identity: Send) {
  const username = `r${randomUUID().slice(0, 8)}`;
  const reg = await identity('POST', '/api/users/register', null, {
    username,
    email: `${username}@example.com`,
    password,
  });
  expect(reg.status, JSON.stringify(reg.body)).toBe(201);
  const login = await identity('POST', '/api/users/login', null, { username, password });
  expect(login.status).toBe(200);
  return {
    id: String(reg.body['id']),
    username,
    token: String(login.body['access_token']),
    signInAgain: async () => {
      const again = await identity('POST', '/api/users/login', null, { username, password });
      expect(again.status).toBe(200);
      return String(again.body['access_token']);
    },
  };
}

/** A redemption with this token: anything but 401 means the token was accepted. */
export const redeem = (loyalty: Send, token: string) =>
  loyalty('POST', '/api/loyalty/redemptions', token, { points: 1 });

/**
 * Identity and loyalty, wherever each runs: a deleted member's and a signed-out-everywhere
 * member's old access tokens are refused by loyalty at once; a new sign-in works.
 */
export async function revocationAcrossServices(identity: Send, loyalty: Send): Promise<void> {
  const gone = await signedInMember(identity);
  expect((await redeem(loyalty, gone.token)).status).not.toBe(401);
  expect((await identity('DELETE', `/api/users/${gone.id}`, gone.token)).status).toBe(204);
  const refused = await redeem(loyalty, gone.token);
  expect(refused.status).toBe(401);
  expect(refused.body['detail']).toMatch(/revoked/);
  expect((await identity('GET', `/api/users/${gone.id}`, gone.token)).status).toBe(401);

  const out = await signedInMember(identity);
  expect((await redeem(loyalty, out.token)).status).not.toBe(401);
  expect((await identity('POST', `/api/users/${out.id}/logout-all`, out.token)).status).toBe(204);
  expect((await redeem(loyalty, out.token)).status).toBe(401);
  expect((await redeem(loyalty, await out.signInAgain())).status).not.toBe(401);
}
