/**
 * Standalone mode (every service in one process, embedded PGlite, no Redis): an access token
 * stops working the moment its account is deleted or signed out everywhere, for orders and
 * loyalty as for identity, instead of living on until it expires (15 minutes).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlatform, loadPlatformConfig, type Platform } from '@redemption/kernel';
import { orderBody } from '@redemption/orders/testing';
import { allModules } from './modules.ts';
import {
  revocationAcrossServices,
  signedInMember,
  type Send,
} from './testing/revocation-journey.ts';

describe('access tokens after deletion and sign-out (standalone, PGlite)', () => {
  let platform: Platform;
  let send: Send;
  let productId: string;

  beforeAll(async () => {
    platform = await buildPlatform({
      config: loadPlatformConfig({
        LOG_LEVEL: 'silent',
        DATA_DIR: 'memory://',
        ADMIN_PASSWORD: 'admin password for tests',
      }),
      modules: allModules,
      name: 'platform',
      version: 'test',
    });
    await platform.seed({ demo: true });
    send = async (method, url, token, body) => {
      const res = await platform.app.inject({
        method,
        url,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(method === 'GET' ? {} : { 'idempotency-key': randomUUID() }),
        },
        ...(body === undefined ? {} : { payload: body as object }),
      });
      return { status: res.statusCode, body: res.body ? res.json() : {} };
    };
    const list = await send('GET', '/api/products?in_stock=true&sort=price&limit=1', null);
    productId = String(list.body['items'][0].id);
  }, 60_000);
  afterAll(async () => platform?.close());

  const order = (token: string) =>
    send('POST', '/api/orders', token, orderBody([{ product_id: productId, quantity: 1 }]));

  it('refuses an order from a deleted member’s old token', async () => {
    const m = await signedInMember(send);
    const before = await order(m.token);
    expect(before.status, JSON.stringify(before.body)).toBe(201);
    expect((await send('DELETE', `/api/users/${m.id}`, m.token)).status).toBe(204);
    const after = await order(m.token);
    expect(after.status, JSON.stringify(after.body)).toBe(401);
  });

  it('refuses an order after signing out everywhere; a new sign-in orders again', async () => {
    const m = await signedInMember(send);
    expect((await send('POST', `/api/users/${m.id}/logout-all`, m.token)).status).toBe(204);
    expect((await order(m.token)).status).toBe(401);
    expect((await order(await m.signInAgain())).status).toBe(201);
  });

  it('refuses loyalty writes and profile reads likewise', async () => {
    await revocationAcrossServices(send, send);
  });
});
