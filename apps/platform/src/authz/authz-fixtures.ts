/**
 * What the authorization matrix calls routes with: two members (registered in identity, with a
 * loyalty account and points), an admin and an internal service token, and the resources the
 * rows name (a product, a drop, a paid order, ...). The `fresh*` makers give a call a resource of
 * its own where the call uses it up (a cancel, a capture, a deletion).
 */
import { randomUUID } from 'node:crypto';
import { newId, type Db } from '@redemption/kernel';
import type { Caller, Reply, TestTokens } from '@redemption/kernel/testing';

export interface FixtureMember {
  id: string;
  token: string;
  username: string;
  email: string;
}

export interface PaidOrder {
  id: string;
  paymentId: string;
}

export interface AuthzFixtures {
  member: FixtureMember;
  otherMember: FixtureMember;
  adminToken: string;
  serviceToken: string;
  /** A well-formed id that names nothing. */
  unknownId: string;
  product: string;
  productSku: string;
  drop: string;
  earnTransaction: string;
  /** A settled op of `member` accepted with Prefer: respond-async. */
  asyncOperation: string;
  paidOrder: PaidOrder;
  /** A notification (a receipt by e-mail) to `member`. */
  notification: string;
  registration(): { username: string; email: string; password: string };
  registered(): Promise<{ username: string }>;
  refreshToken(): Promise<string>;
  freshMember(): Promise<FixtureMember>;
  freshHold(): Promise<string>;
  freshProduct(): Promise<string>;
  freshReservation(state?: 'committed'): Promise<string>;
  freshPaidOrder(): Promise<PaidOrder>;
  dropBody(): Record<string, unknown>;
  productBody(sku?: string): Record<string, unknown>;
  categoryBody(): Record<string, unknown>;
  reservationBody(): Record<string, unknown>;
  chargeBody(): Record<string, unknown>;
  refundBody(): Promise<Record<string, unknown>>;
  orderBody(): Record<string, unknown>;
}

const password = 'a long enough passphrase';
const memberPoints = 100_000;
const productStock = 10_000;
const accountWaitMs = 20_000;
const hourMs = 3_600_000;
const shippingAddress = {
  name: 'Ada Lovelace',
  line1: '12 Harbour Street',
  city: 'Lisbon',
  postal_code: '1100-148',
  country: 'PT',
};

const short = () => randomUUID().replace(/-/g, '').slice(0, 12);

/** `field` of the answer when it has `status`; otherwise a failure naming what was being made. */
function expectStatus(res: Reply, status: number, what: string, field = 'id'): string {
  if (res.status !== status)
    throw new Error(`fixture ${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body[field]);
}

export async function createAuthzFixtures(
  db: Db,
  call: Caller,
  tokens: TestTokens,
  serviceToken: string,
): Promise<AuthzFixtures> {
  const adminToken = await tokens.sign(newId(), 'admin');
  const admin = (method: 'GET' | 'POST', url: string, body?: unknown) =>
    call(method, url, adminToken, body);

  const registration = () => {
    const name = `m${short()}`;
    return { username: name, email: `${name}@example.com`, password };
  };
  const register = async (): Promise<FixtureMember> => {
    const r = registration();
    const id = expectStatus(await call('POST', '/api/users/register', null, r), 201, 'member');
    return { id, token: await tokens.sign(id, 'member'), ...r };
  };
  /** A member whose loyalty account is open (identity's member_registered) and has points. */
  const memberWithPoints = async (): Promise<FixtureMember> => {
    const m = await register();
    const deadline = Date.now() + accountWaitMs;
    while ((await admin('GET', `/api/loyalty/accounts/${m.id}`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('fixture: the loyalty account never opened');
      await new Promise((r) => setTimeout(r, 50));
    }
    const earn = { member_id: m.id, points: memberPoints, reason: 'matrix' };
    expectStatus(await admin('POST', '/api/loyalty/earn', earn), 201, 'earn');
    return m;
  };

  const [member, otherMember] = [await memberWithPoints(), await memberWithPoints()];
  const productSku = `SKU-${short()}`;
  const productBody = (sku = `SKU-${short()}`) => ({
    sku,
    name: 'Spa day',
    price: 2_500,
    currency: 'USD',
  });
  const makeProduct = async (sku?: string) =>
    expectStatus(
      await admin('POST', '/api/products', { ...productBody(sku), stock_quantity: productStock }),
      201,
      'product',
    );
  const product = await makeProduct(productSku);
  const dropBody = () => ({
    name: 'Overwater villa',
    points_price: 1,
    quantity: 1_000,
    per_member_limit: 100,
    opens_at: new Date(Date.now() - hourMs).toISOString(),
    closes_at: new Date(Date.now() + hourMs).toISOString(),
  });
  const drop = expectStatus(await admin('POST', '/api/loyalty/drops', dropBody()), 201, 'drop');
  const earned = await admin('POST', '/api/loyalty/earn', {
    member_id: member.id,
    points: 1_000,
    reason: 'to reverse',
  });
  const orderBody = () => ({
    user_id: member.id,
    items: [{ product_id: product, quantity: 1 }],
    shipping_address: shippingAddress,
    payment: { method: 'card', token: 'tok_visa' },
  });
  const freshPaidOrder = async (): Promise<PaidOrder> => {
    const id = expectStatus(
      await call('POST', '/api/orders', member.token, orderBody()),
      201,
      'order',
    );
    const payment = await admin('GET', `/api/payments/order/${id}`);
    return { id, paymentId: expectStatus(payment, 200, 'payment') };
  };
  // An op is only queued when the ledger's queue is full; this one is as such an op ends.
  const asyncOperation = newId();
  await db.query(
    `INSERT INTO loyalty.async_operations (id, owner_id, op, status, status_code, result, completed_at)
     VALUES ($1, $2, '{}', 'done', 201, '{}', now())`,
    [asyncOperation, member.id],
  );
  const sent = await admin('POST', '/api/notifications/send', {
    template: 'payment_receipt',
    member_id: member.id,
    data: { order_id: newId(), amount_minor: 100, currency: 'USD', payment_id: newId() },
  });
  if (sent.status !== 202) throw new Error(`fixture notification: ${sent.status}`);
  const notification = String(sent.body['notifications'][0].id);
  const reservationBody = () => ({
    reservation_id: `matrix-${short()}`,
    items: [{ product_id: product, quantity: 1 }],
  });

  return {
    member,
    otherMember,
    adminToken,
    serviceToken,
    unknownId: newId(),
    product,
    productSku,
    drop,
    earnTransaction: expectStatus(earned, 201, 'earn', 'transaction_id'),
    asyncOperation,
    paidOrder: await freshPaidOrder(),
    notification,
    registration,
    registered: register,
    async refreshToken() {
      const m = await register();
      const login = { username: m.username, password };
      const res = await call('POST', '/api/users/login', null, login);
      return expectStatus(res, 200, 'login', 'refresh_token');
    },
    freshMember: register,
    async freshHold() {
      const hold = { member_id: member.id, points: 1 };
      return expectStatus(await admin('POST', '/api/loyalty/holds', hold), 201, 'hold');
    },
    freshProduct: () => makeProduct(),
    async freshReservation(state) {
      const body = reservationBody();
      expectStatus(await admin('POST', '/api/inventory/reservations', body), 201, 'reservation');
      const id = body.reservation_id;
      if (state === 'committed')
        expectStatus(
          await admin('POST', `/api/inventory/reservations/${id}/commit`, {}),
          200,
          'commit',
        );
      return id;
    },
    freshPaidOrder,
    dropBody,
    productBody,
    categoryBody: () => ({ slug: `c-${short()}`, name: 'Experiences' }),
    reservationBody,
    chargeBody: () => ({
      order_id: newId(),
      member_id: member.id,
      amount: 100,
      currency: 'USD',
      payment_method: 'card',
      token: 'tok_visa',
    }),
    refundBody: async () => ({ payment_id: (await freshPaidOrder()).paymentId, amount: 1 }),
    orderBody,
  };
}
