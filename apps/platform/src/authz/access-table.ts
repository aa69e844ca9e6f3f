/**
 * Who may call what: one row per route of the standalone platform, the authorization matrix's
 * expectations (authz-matrix.test.ts runs every row as five principals and compares). A route
 * without a row fails `access-table.test.ts`, so a new route cannot ship without saying who may
 * call it. A row names a rule (what each principal gets), the status of an allowed call, the
 * principals that differ from the rule, and how to call the route (see `AccessCall`).
 */
import { randomUUID } from 'node:crypto';
import type { HttpMethod } from '@redemption/kernel/testing';
import type { AuthzFixtures, FixtureMember } from './authz-fixtures.ts';

/** Who calls. `member` owns the row's resources; `otherMember` is another member. */
export const principals = ['anonymous', 'member', 'otherMember', 'admin', 'service'] as const;
export type Principal = (typeof principals)[number];

/** `ok`: the row's allowed status; a number: this refusal. */
type Outcome = number | 'ok';

/**
 * - `public`: no token needed; everyone gets the same answer.
 * - `signed-in`: any valid token; each principal acts for itself.
 * - `owner`: the member the resource belongs to, an admin or an internal service; another
 *   member gets 404 (so ids of others do not leak).
 * - `admin`: an admin or an internal service; members get 403.
 */
export const rules = {
  public: { anonymous: 'ok', member: 'ok', otherMember: 'ok', admin: 'ok', service: 'ok' },
  'signed-in': { anonymous: 401, member: 'ok', otherMember: 'ok', admin: 'ok', service: 'ok' },
  owner: { anonymous: 401, member: 'ok', otherMember: 404, admin: 'ok', service: 'ok' },
  admin: { anonymous: 401, member: 403, otherMember: 403, admin: 'ok', service: 'ok' },
} as const satisfies Record<string, Record<Principal, Outcome>>;
export type Rule = keyof typeof rules;

/** One request of the matrix. `owner`: a member made for this call, who then acts as `member`. */
export interface AccessCall {
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  owner?: FixtureMember;
}

export interface AccessRow {
  rule: Rule;
  /** What an allowed principal gets. */
  ok: number;
  /** Principals whose answer differs from the rule's, and why (in a comment beside it). */
  except?: Partial<Record<Principal, number>>;
  /** Built anew for each principal, so a call that uses up its resource gets a fresh one. */
  call: (fx: AuthzFixtures) => AccessCall | Promise<AccessCall>;
}

/** The expected status of `row` for `who`. */
export function expectedStatus(row: AccessRow, who: Principal): number {
  const outcome: Outcome = row.except?.[who] ?? rules[row.rule][who];
  return outcome === 'ok' ? row.ok : outcome;
}

/** Routes the table does not cover, and why. HEAD mirrors GET; the docs UI is the kernel's. */
export const notCovered = (method: string, url: string): boolean =>
  method === 'HEAD' || method === 'OPTIONS' || url.startsWith('/api/docs');

const get = (url: string): AccessCall => ({ url });
const password = 'a long enough passphrase';

/** Keyed `METHOD /url` as Fastify registers it (`:param`). */
export const accessTable: Record<string, AccessRow> = {
  // Platform: probes, documents and pages anyone reads.
  'GET /': { rule: 'public', ok: 200, call: () => get('/') },
  'GET /status': { rule: 'public', ok: 200, call: () => get('/status') },
  'GET /health/live': { rule: 'public', ok: 200, call: () => get('/health/live') },
  'GET /health/ready': { rule: 'public', ok: 200, call: () => get('/health/ready') },
  // Open in standalone mode without METRICS_TOKEN (decision 009); metrics.test.ts covers the token.
  'GET /metrics': { rule: 'public', ok: 200, call: () => get('/metrics') },
  'GET /.well-known/jwks.json': {
    rule: 'public',
    ok: 200,
    call: () => get('/.well-known/jwks.json'),
  },
  'GET /api/openapi.json': { rule: 'public', ok: 200, call: () => get('/api/openapi.json') },
  'GET /api/web-config': { rule: 'public', ok: 200, call: () => get('/api/web-config') },
  'GET /api/admin/metrics': { rule: 'admin', ok: 200, call: () => get('/api/admin/metrics') },
  'GET /api/admin/dead-letters': {
    rule: 'admin',
    ok: 200,
    call: () => get('/api/admin/dead-letters'),
  },
  // No dead letter exists: an allowed caller gets past the door to a 404.
  'POST /api/admin/dead-letters/:id/replay': {
    rule: 'admin',
    ok: 404,
    call: (fx) => ({ url: `/api/admin/dead-letters/${fx.unknownId}/replay`, body: {} }),
  },

  // Identity.
  'POST /api/users/register': {
    rule: 'public',
    ok: 201,
    call: (fx) => ({ url: '/api/users/register', body: fx.registration() }),
  },
  'POST /api/users/login': {
    rule: 'public',
    ok: 200,
    call: async (fx) => {
      const { username } = await fx.registered();
      return { url: '/api/users/login', body: { username, password } };
    },
  },
  'POST /api/users/refresh': {
    rule: 'public',
    ok: 200,
    call: async (fx) => ({
      url: '/api/users/refresh',
      body: { refresh_token: await fx.refreshToken() },
    }),
  },
  'POST /api/users/logout': {
    rule: 'public',
    ok: 204,
    call: async (fx) => ({
      url: '/api/users/logout',
      body: { refresh_token: await fx.refreshToken() },
    }),
  },
  'POST /api/users/password-reset': {
    rule: 'public',
    ok: 202,
    call: (fx) => ({ url: '/api/users/password-reset', body: { email: fx.member.email } }),
  },
  // A token only the mailbox has: everyone gets the same refusal.
  'POST /api/users/password-reset/confirm': {
    rule: 'public',
    ok: 400,
    call: () => ({
      url: '/api/users/password-reset/confirm',
      body: { token: 'x'.repeat(43), new_password: password },
    }),
  },
  'POST /api/users/email-change/confirm': {
    rule: 'public',
    ok: 400,
    call: () => ({ url: '/api/users/email-change/confirm', body: { token: 'x'.repeat(43) } }),
  },
  // Mints the token a reset or e-mail change mail carries: internal services only (notifications);
  // the request does not exist, so the service gets past the door to a 410.
  'POST /api/users/password-reset/:id/delivery': {
    rule: 'admin',
    ok: 410,
    except: { admin: 403 },
    call: (fx) => ({ url: `/api/users/password-reset/${fx.unknownId}/delivery`, body: {} }),
  },
  'POST /api/users/email-change/:id/delivery': {
    rule: 'admin',
    ok: 410,
    except: { admin: 403 },
    call: (fx) => ({ url: `/api/users/email-change/${fx.unknownId}/delivery`, body: {} }),
  },
  'GET /api/users': { rule: 'admin', ok: 200, call: () => get('/api/users') },
  'GET /api/users/:id': {
    rule: 'owner',
    ok: 200,
    call: (fx) => get(`/api/users/${fx.member.id}`),
  },
  'PUT /api/users/:id': {
    rule: 'owner',
    ok: 200,
    call: (fx) => ({ url: `/api/users/${fx.member.id}`, body: { full_name: 'Ana Lima' } }),
  },
  'DELETE /api/users/:id': {
    rule: 'owner',
    ok: 204,
    call: async (fx) => {
      const owner = await fx.freshMember();
      return { url: `/api/users/${owner.id}`, owner };
    },
  },
  'POST /api/users/:id/logout-all': {
    rule: 'owner',
    ok: 204,
    call: async (fx) => {
      const owner = await fx.freshMember();
      return { url: `/api/users/${owner.id}/logout-all`, owner };
    },
  },

  // Loyalty.
  'GET /api/loyalty/accounts/:memberId': {
    rule: 'owner',
    ok: 200,
    call: (fx) => get(`/api/loyalty/accounts/${fx.member.id}`),
  },
  'GET /api/loyalty/accounts/:memberId/transactions': {
    rule: 'owner',
    ok: 200,
    call: (fx) => get(`/api/loyalty/accounts/${fx.member.id}/transactions`),
  },
  'POST /api/loyalty/earn': {
    rule: 'admin',
    ok: 201,
    call: (fx) => ({
      url: '/api/loyalty/earn',
      body: { member_id: fx.member.id, points: 1, reason: 'matrix' },
    }),
  },
  'POST /api/loyalty/redemptions': {
    rule: 'owner',
    ok: 201,
    call: (fx) => ({
      url: '/api/loyalty/redemptions',
      body: { member_id: fx.member.id, points: 1 },
    }),
  },
  'POST /api/loyalty/holds': {
    rule: 'owner',
    ok: 201,
    call: (fx) => ({ url: '/api/loyalty/holds', body: { member_id: fx.member.id, points: 1 } }),
  },
  'POST /api/loyalty/holds/:id/capture': {
    rule: 'owner',
    ok: 200,
    call: async (fx) => ({ url: `/api/loyalty/holds/${await fx.freshHold()}/capture`, body: {} }),
  },
  'POST /api/loyalty/holds/:id/release': {
    rule: 'owner',
    ok: 200,
    call: async (fx) => ({ url: `/api/loyalty/holds/${await fx.freshHold()}/release`, body: {} }),
  },
  'POST /api/loyalty/transactions/:id/reverse': {
    rule: 'admin',
    ok: 201,
    call: (fx) => ({
      url: `/api/loyalty/transactions/${fx.earnTransaction}/reverse`,
      body: { points: 1, reason: 'matrix' },
    }),
  },
  'POST /api/loyalty/adjustments': {
    rule: 'admin',
    ok: 201,
    call: (fx) => ({
      url: '/api/loyalty/adjustments',
      body: { member_id: fx.member.id, points: 1, reason: 'matrix' },
    }),
  },
  'GET /api/loyalty/operations/:id': {
    rule: 'owner',
    ok: 200,
    call: (fx) => get(`/api/loyalty/operations/${fx.asyncOperation}`),
  },
  'POST /api/loyalty/drops': {
    rule: 'admin',
    ok: 201,
    call: (fx) => ({ url: '/api/loyalty/drops', body: fx.dropBody() }),
  },
  'GET /api/loyalty/drops': { rule: 'public', ok: 200, call: () => get('/api/loyalty/drops') },
  'GET /api/loyalty/drops/:id': {
    rule: 'public',
    ok: 200,
    call: (fx) => get(`/api/loyalty/drops/${fx.drop}`),
  },
  // Each caller claims for itself: an admin or a service has no loyalty account to pay from.
  'POST /api/loyalty/drops/:id/claims': {
    rule: 'signed-in',
    ok: 201,
    except: { admin: 404, service: 404 },
    call: (fx) => ({ url: `/api/loyalty/drops/${fx.drop}/claims`, body: {} }),
  },
  'POST /api/loyalty/admin/verify': {
    rule: 'admin',
    ok: 200,
    call: () => ({ url: '/api/loyalty/admin/verify', body: {} }),
  },
  'GET /api/loyalty/admin/reconciliation': {
    rule: 'admin',
    ok: 200,
    call: () => get('/api/loyalty/admin/reconciliation'),
  },

  'GET /api/loyalty/admin/expiring-points': {
    rule: 'admin',
    ok: 200,
    call: () =>
      get('/api/loyalty/admin/expiring-points?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z'),
  },

  // Catalog and inventory.
  'GET /api/products': { rule: 'public', ok: 200, call: () => get('/api/products') },
  'GET /api/products/:id': {
    rule: 'public',
    ok: 200,
    call: (fx) => get(`/api/products/${fx.product}`),
  },
  'POST /api/products': {
    rule: 'admin',
    ok: 201,
    call: (fx) => ({ url: '/api/products', body: fx.productBody() }),
  },
  'PUT /api/products/:id': {
    rule: 'admin',
    ok: 200,
    call: (fx) => ({ url: `/api/products/${fx.product}`, body: fx.productBody(fx.productSku) }),
  },
  'DELETE /api/products/:id': {
    rule: 'admin',
    ok: 204,
    call: async (fx) => ({ url: `/api/products/${await fx.freshProduct()}` }),
  },
  'PATCH /api/products/:id/stock': {
    rule: 'admin',
    ok: 200,
    call: (fx) => ({
      url: `/api/products/${fx.product}/stock`,
      body: { delta: 1, reason: 'matrix' },
    }),
  },
  'GET /api/categories': { rule: 'public', ok: 200, call: () => get('/api/categories') },
  'POST /api/categories': {
    rule: 'admin',
    ok: 201,
    call: (fx) => ({ url: '/api/categories', body: fx.categoryBody() }),
  },
  'POST /api/inventory/reservations': {
    rule: 'admin',
    ok: 201,
    call: (fx) => ({ url: '/api/inventory/reservations', body: fx.reservationBody() }),
  },
  'GET /api/inventory/reservations/:id': {
    rule: 'admin',
    ok: 200,
    call: async (fx) => get(`/api/inventory/reservations/${await fx.freshReservation()}`),
  },
  'POST /api/inventory/reservations/:id/commit': {
    rule: 'admin',
    ok: 200,
    call: async (fx) => ({
      url: `/api/inventory/reservations/${await fx.freshReservation()}/commit`,
      body: {},
    }),
  },
  'POST /api/inventory/reservations/:id/release': {
    rule: 'admin',
    ok: 200,
    call: async (fx) => ({
      url: `/api/inventory/reservations/${await fx.freshReservation()}/release`,
      body: {},
    }),
  },
  'POST /api/inventory/reservations/:id/restock': {
    rule: 'admin',
    ok: 200,
    call: async (fx) => ({
      url: `/api/inventory/reservations/${await fx.freshReservation('committed')}/restock`,
      body: {},
    }),
  },

  // Payments.
  'POST /api/payments/process': {
    rule: 'admin',
    ok: 201,
    call: (fx) => ({ url: '/api/payments/process', body: fx.chargeBody() }),
  },
  'POST /api/payments/refund': {
    rule: 'admin',
    ok: 201,
    call: async (fx) => ({ url: '/api/payments/refund', body: await fx.refundBody() }),
  },
  'POST /api/payments/void': {
    rule: 'admin',
    ok: 200,
    call: (fx) => ({ url: '/api/payments/void', body: { order_id: fx.unknownId } }),
  },
  'GET /api/payments/order/:orderId': {
    rule: 'owner',
    ok: 200,
    call: (fx) => get(`/api/payments/order/${fx.paidOrder.id}`),
  },
  'GET /api/payments/:id': {
    rule: 'owner',
    ok: 200,
    call: (fx) => get(`/api/payments/${fx.paidOrder.paymentId}`),
  },
  // Signed by Stripe, not by a token; without STRIPE_WEBHOOK_SECRET every caller gets 503.
  'POST /api/payments/webhooks/stripe': {
    rule: 'public',
    ok: 503,
    call: () => ({ url: '/api/payments/webhooks/stripe', body: {} }),
  },

  // Notifications.
  'POST /api/notifications/send': {
    rule: 'admin',
    ok: 202,
    call: (fx) => ({
      url: '/api/notifications/send',
      body: {
        template: 'order_shipped',
        member_id: fx.member.id,
        data: { order_id: fx.paidOrder.id },
      },
    }),
  },
  'GET /api/notifications': { rule: 'admin', ok: 200, call: () => get('/api/notifications') },
  'GET /api/notifications/:id': {
    rule: 'owner',
    ok: 200,
    call: (fx) => get(`/api/notifications/${fx.notification}`),
  },
  'GET /api/notifications/preferences/:memberId': {
    rule: 'owner',
    ok: 200,
    call: (fx) => get(`/api/notifications/preferences/${fx.member.id}`),
  },
  'PUT /api/notifications/preferences/:memberId': {
    rule: 'owner',
    ok: 200,
    call: (fx) => ({
      url: `/api/notifications/preferences/${fx.member.id}`,
      body: { locale: 'en' },
    }),
  },
  'POST /api/notifications/push-subscriptions': {
    rule: 'signed-in',
    ok: 201,
    call: () => ({
      url: '/api/notifications/push-subscriptions',
      body: {
        endpoint: `https://push.example.test/${randomUUID()}`,
        keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) },
      },
    }),
  },
  'GET /api/notifications/push-key': {
    rule: 'public',
    ok: 200,
    call: () => get('/api/notifications/push-key'),
  },
  // The link in the mail is the credential: the page shows for anyone, a bad link is refused.
  'GET /api/notifications/unsubscribe': {
    rule: 'public',
    ok: 200,
    call: () => get('/api/notifications/unsubscribe?token=u1.x.y'),
  },
  'POST /api/notifications/unsubscribe': {
    rule: 'public',
    ok: 400,
    call: () => ({ url: '/api/notifications/unsubscribe?token=u1.x.y', body: {} }),
  },
  'GET /api/notifications/mailbox': {
    rule: 'admin',
    ok: 200,
    call: () => get('/api/notifications/mailbox'),
  },
  'GET /api/notifications/mailbox/:id': {
    rule: 'admin',
    ok: 404,
    call: (fx) => get(`/api/notifications/mailbox/${fx.unknownId}`),
  },

  // Orders. A member orders for itself only: naming another member is a 403.
  'POST /api/orders': {
    rule: 'owner',
    ok: 201,
    except: { otherMember: 403 },
    call: (fx) => ({ url: '/api/orders', body: fx.orderBody() }),
  },
  'GET /api/orders': { rule: 'admin', ok: 200, call: () => get('/api/orders') },
  'GET /api/orders/:id': {
    rule: 'owner',
    ok: 200,
    call: (fx) => get(`/api/orders/${fx.paidOrder.id}`),
  },
  'GET /api/orders/user/:userId': {
    rule: 'owner',
    ok: 200,
    call: (fx) => get(`/api/orders/user/${fx.member.id}`),
  },
  'PATCH /api/orders/:id/status': {
    rule: 'admin',
    ok: 200,
    call: async (fx) => ({
      url: `/api/orders/${(await fx.freshPaidOrder()).id}/status`,
      body: { status: 'shipped' },
    }),
  },
  'DELETE /api/orders/:id': {
    rule: 'owner',
    ok: 200,
    call: async (fx) => ({ url: `/api/orders/${(await fx.freshPaidOrder()).id}` }),
  },
  'POST /api/orders/:id/refund-request': {
    rule: 'owner',
    ok: 200,
    call: (fx) => ({
      url: `/api/orders/${fx.paidOrder.id}/refund-request`,
      body: { reason: 'matrix' },
    }),
  },
  'POST /api/orders/:id/refunds': {
    rule: 'admin',
    ok: 201,
    call: async (fx) => ({
      url: `/api/orders/${(await fx.freshPaidOrder()).id}/refunds`,
      body: {},
    }),
  },

  // Analytics: the admin dashboard's. The live stream is asked for as JSON, so an allowed caller
  // gets the route's 406 instead of a stream that never ends.
  'GET /api/analytics/windows': {
    rule: 'admin',
    ok: 200,
    call: () => get('/api/analytics/windows?kind=tumbling_5m'),
  },
  'GET /api/analytics/engine': { rule: 'admin', ok: 200, call: () => get('/api/analytics/engine') },
  'GET /api/analytics/live': {
    rule: 'admin',
    ok: 406,
    call: () => ({ url: '/api/analytics/live', headers: { accept: 'application/json' } }),
  },
};

export type { HttpMethod };
