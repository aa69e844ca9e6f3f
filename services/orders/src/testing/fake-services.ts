import { randomUUID } from 'node:crypto';
import type {
  LoyaltyHold,
  LoyaltyHoldCaptured,
  LoyaltyHoldReleased,
  Payment,
  Product,
  Refund,
  Reservation,
  ServiceRequest,
  ServiceResponse,
  ServiceTransport,
  VoidedOrder,
} from '@redemption/contracts';
import type { App, ServiceModule } from '@redemption/kernel';

/**
 * Small in-memory stand-ins for catalog, loyalty and payments, answering the routes the typed
 * clients call (packages/contracts/src/clients) with the documented shapes and problem slugs.
 * Each write replays on its Idempotency-Key. Faults can be injected per call: an answer
 * instead of the real one, or the real effect with its answer lost (a timeout after commit).
 */
export type ServiceName = 'catalog' | 'loyalty' | 'payments';

export interface Fault {
  service: ServiceName;
  /** Matched against `METHOD path`, e.g. /POST .*\/capture$/. */
  match: RegExp;
  /** How many calls it applies to (default 1). */
  times?: number;
  /** Answer this instead of doing the call; default a 503 dependency-unavailable. */
  answer?: ServiceResponse;
  /** Do the call, then lose its answer (answer 503 instead). */
  afterEffect?: boolean;
  /** Wait for this before answering as usual: a slow dependency, released by the test. */
  gate?: Promise<void>;
}

export interface FakeProduct {
  id: string;
  name: string;
  price: number;
  currency: string;
  stock: number;
}

export interface FakeServices {
  transports: Record<ServiceName, ServiceTransport>;
  /** Every call, in order: `service METHOD path`. */
  calls: string[];
  products: Map<string, FakeProduct & { reserved: number }>;
  reservations: Map<
    string,
    { status: Reservation['status']; items: Array<{ product_id: string; quantity: number }> }
  >;
  balances: Map<string, number>;
  holds: Map<string, { member: string; points: number; status: string }>;
  payments: Map<string, Payment>;
  addProduct(p: Partial<FakeProduct>): FakeProduct;
  /** Injects a fault; returns a function that removes it. */
  fault(f: Fault): () => void;
  /** The fakes as platform modules (for route tests through `inject`). */
  modules(): ServiceModule[];
}

const problem = (
  status: number,
  slug: string,
  detail: string,
  ext: Record<string, unknown> = {},
) => ({
  status,
  body: { type: `/problems/${slug}`, title: slug, status, detail, ...ext },
});
const unavailable = (service: string) =>
  problem(503, 'dependency-unavailable', `${service} did not answer`, { service });
/** The answers have the resources' own types (@redemption/contracts), so a shape change shows. */
const ok = <T>(body: T, status = 200): ServiceResponse => ({ status, body });
const now = () => new Date().toISOString();

/** The product as catalog shows it: available = on hand - reserved. */
const productOf = (p: FakeProduct & { reserved: number }): Product => ({
  id: p.id,
  sku: p.id,
  name: p.name,
  description: '',
  category: null,
  price: p.price,
  currency: p.currency,
  points_price: null,
  stock_quantity: p.stock - p.reserved,
  stock_reserved: p.reserved,
  image_url: null,
  attributes: {},
  created_at: now(),
  updated_at: now(),
});

type Handler = (m: RegExpMatchArray, body: any) => ServiceResponse;
type Routes = Array<[string, RegExp, Handler]>;

export function createFakeServices(): FakeServices {
  const calls: string[] = [];
  const faults: Fault[] = [];
  const products: FakeServices['products'] = new Map();
  const reservations: FakeServices['reservations'] = new Map();
  const balances = new Map<string, number>();
  const holds: FakeServices['holds'] = new Map();
  const payments: FakeServices['payments'] = new Map();
  /** Orders payments was told to void: never charged again (409 order-voided). */
  const voided = new Set<string>();

  /** A reservation as catalog shows it, lines with the product as it is now. */
  const reservationOf = (id: string): Reservation => {
    const r = reservations.get(id)!;
    const items = r.items.map((l) => {
      const p = products.get(l.product_id)!;
      const line = { sku: p.id, name: p.name, unit_price: p.price, currency: p.currency };
      return { ...l, ...line, points_price: null };
    });
    const expiresAt = new Date(Date.now() + 900_000).toISOString();
    return { reservation_id: id, status: r.status, expires_at: expiresAt, items };
  };
  const refundPayment = (p: Payment, amount: number) => {
    p.refunded_amount += amount;
    p.status = p.refunded_amount >= p.amount ? 'refunded' : 'partially_refunded';
  };

  const catalog: Routes = [
    [
      'GET',
      /^\/api\/products\/([^/]+)$/,
      (m) => {
        const p = products.get(m[1]!);
        if (!p) return problem(404, 'not-found', 'No product');
        return ok<Product>(productOf(p));
      },
    ],
    [
      'POST',
      /^\/api\/inventory\/reservations$/,
      (_m, b) => {
        for (const line of b.items) {
          const p = products.get(line.product_id);
          if (!p) return problem(404, 'not-found', 'No product', { product_id: line.product_id });
          if (p.stock - p.reserved < line.quantity)
            return problem(409, 'out-of-stock', 'Not enough stock', {
              product_id: line.product_id,
            });
        }
        for (const line of b.items) products.get(line.product_id)!.reserved += line.quantity;
        reservations.set(b.reservation_id, { status: 'held', items: b.items });
        return ok<Reservation>(reservationOf(b.reservation_id), 201);
      },
    ],
    [
      'POST',
      /^\/api\/inventory\/reservations\/([^/]+)\/(commit|release|restock)$/,
      (m) => {
        const r = reservations.get(m[1]!);
        if (!r) return problem(404, 'not-found', 'No reservation');
        const [from, to] = (
          {
            commit: ['held', 'committed'],
            release: ['held', 'released'],
            restock: ['committed', 'restocked'],
          } as const
        )[m[2] as 'commit'];
        if (r.status === to) return ok<Reservation>(reservationOf(m[1]!));
        if (r.status !== from)
          return problem(409, 'reservation-not-held', `The reservation is ${r.status}`);
        for (const line of r.items) {
          const p = products.get(line.product_id)!;
          if (m[2] !== 'restock') p.reserved -= line.quantity;
          if (m[2] === 'commit') p.stock -= line.quantity;
          if (m[2] === 'restock') p.stock += line.quantity;
        }
        r.status = to;
        return ok<Reservation>(reservationOf(m[1]!));
      },
    ],
  ];

  const transactions = new Map<string, { member: string; points: number; reversed: number }>();
  const heldOf = (member: string) =>
    [...holds.values()]
      .filter((h) => h.member === member && h.status === 'active')
      .reduce((s, h) => s + h.points, 0);
  const loyalty: Routes = [
    [
      'POST',
      /^\/api\/loyalty\/holds$/,
      (_m, b) => {
        if (!balances.has(b.member_id)) return problem(422, 'unknown-member', 'No account');
        const available = balances.get(b.member_id)! - heldOf(b.member_id);
        if (available < b.points)
          return problem(422, 'insufficient-points', 'Not enough points', {
            available,
            needed: b.points,
          });
        const id = randomUUID();
        holds.set(id, { member: b.member_id, points: b.points, status: 'active' });
        const hold: LoyaltyHold = {
          id,
          member_id: b.member_id,
          points: b.points,
          status: 'active',
          reference: b.reference ?? null,
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          available: available - b.points,
        };
        return ok(hold, 201);
      },
    ],
    [
      'POST',
      /^\/api\/loyalty\/holds\/([^/]+)\/(capture|release)$/,
      (m) => {
        const h = holds.get(m[1]!);
        if (!h) return problem(404, 'not-found', 'No hold');
        if (h.status !== 'active')
          return problem(409, 'hold-not-active', `The hold is already ${h.status}`, {
            hold_status: h.status,
          });
        if (m[2] === 'release') {
          h.status = 'released';
          return ok<LoyaltyHoldReleased>({
            id: m[1]!,
            status: 'released',
            released_points: h.points,
          });
        }
        h.status = 'captured';
        balances.set(h.member, balances.get(h.member)! - h.points);
        const transaction_id = randomUUID();
        transactions.set(transaction_id, { member: h.member, points: h.points, reversed: 0 });
        return ok<LoyaltyHoldCaptured>({
          id: m[1]!,
          status: 'captured',
          captured_points: h.points,
          released_points: 0,
          transaction_id,
        });
      },
    ],
    [
      'POST',
      /^\/api\/loyalty\/transactions\/([^/]+)\/reverse$/,
      (m, b) => {
        const t = transactions.get(m[1]!);
        if (!t) return problem(404, 'not-found', 'No transaction');
        const points = b.points ?? t.points - t.reversed;
        if (points > t.points - t.reversed)
          return problem(422, 'reversal-exceeds-transaction', 'Too many');
        t.reversed += points;
        balances.set(t.member, balances.get(t.member)! + points);
        return ok({ transaction_id: randomUUID(), kind: 'reversal', points, reverses: m[1] }, 201);
      },
    ],
  ];

  const paymentsRoutes: Routes = [
    [
      'POST',
      /^\/api\/payments\/process$/,
      (_m, b) => {
        if (voided.has(b.order_id))
          return problem(
            409,
            'order-voided',
            'This order was cancelled; it is not charged any more',
          );
        if (b.token === 'tok_chargeDeclined')
          return problem(402, 'payment-declined', 'The card was declined (card_declined)', {
            decline_code: 'card_declined',
          });
        const existing = [...payments.values()].find((p) => p.order_id === b.order_id);
        if (existing) return ok(existing, 200);
        const id = randomUUID();
        const payment: Payment = {
          id,
          order_id: b.order_id,
          member_id: b.member_id,
          amount: b.amount,
          currency: b.currency,
          payment_method: 'card',
          status: 'succeeded',
          transaction_id: `fake_${id}`,
          provider: 'simulated',
          card: null,
          refunded_amount: 0,
          created_at: now(),
        };
        payments.set(payment.id, payment);
        return ok(payment, 201);
      },
    ],
    [
      'GET',
      /^\/api\/payments\/order\/([^/]+)$/,
      (m) => {
        const p = [...payments.values()].find((x) => x.order_id === m[1]);
        return p ? ok(p) : problem(404, 'not-found', 'No payment');
      },
    ],
    [
      'POST',
      /^\/api\/payments\/refund$/,
      (_m, b) => {
        const p = payments.get(b.payment_id);
        if (!p) return problem(404, 'not-found', 'No payment');
        const amount = b.amount ?? p.amount - p.refunded_amount;
        if (amount <= 0 || amount > p.amount - p.refunded_amount)
          return problem(422, 'refund-exceeds-payment', 'Nothing that large is left to refund');
        refundPayment(p, amount);
        const refund: Refund = {
          id: randomUUID(),
          payment_id: p.id,
          amount,
          status: 'succeeded',
          reason: b.reason ?? null,
          provider_refund_id: `fake_re_${randomUUID()}`,
          created_at: now(),
          payment: p,
        };
        return ok(refund, 201);
      },
    ],
    [
      'POST',
      /^\/api\/payments\/void$/,
      (_m, b) => {
        voided.add(b.order_id);
        const p = [...payments.values()].find((x) => x.order_id === b.order_id);
        if (p) refundPayment(p, p.amount - p.refunded_amount);
        return ok<VoidedOrder>({ order_id: b.order_id, payment: p ?? null });
      },
    ],
  ];

  const transport = (service: ServiceName, routes: Routes): ServiceTransport => {
    const replays = new Map<string, ServiceResponse>();
    return async (req: ServiceRequest) => {
      const line = `${req.method} ${req.path}`;
      calls.push(`${service} ${line}`);
      const fault = faults.find(
        (f) => f.service === service && f.match.test(line) && (f.times ?? 1) > 0,
      );
      if (fault) fault.times = (fault.times ?? 1) - 1;
      await fault?.gate;
      if (fault && !fault.afterEffect && !fault.gate) return fault.answer ?? unavailable(service);
      const replay = req.idempotencyKey ? replays.get(req.idempotencyKey) : undefined;
      let res = replay;
      if (!res) {
        const route = routes.find(([method, re]) => method === req.method && re.test(req.path));
        res = route
          ? route[2](req.path.match(route[1])!, req.body)
          : problem(404, 'not-found', 'No route');
        // Like the kernel's idempotency: successes and deterministic refusals are replayed.
        if (req.idempotencyKey && res.status !== 503) replays.set(req.idempotencyKey, res);
      }
      return fault?.afterEffect ? unavailable(service) : structuredClone(res);
    };
  };

  const transports = {
    catalog: transport('catalog', catalog),
    loyalty: transport('loyalty', loyalty),
    payments: transport('payments', paymentsRoutes),
  };

  return {
    transports,
    calls,
    products,
    reservations,
    balances,
    holds,
    payments,
    addProduct(p) {
      const product = {
        id: randomUUID(),
        name: 'Spa day',
        price: 2500,
        currency: 'USD',
        stock: 10,
        ...p,
      };
      products.set(product.id, { ...product, reserved: 0 });
      return product;
    },
    fault: (f) => {
      faults.push(f);
      return () => void faults.splice(faults.indexOf(f), 1);
    },
    modules: () =>
      (Object.keys(transports) as ServiceName[]).map((name) => fakeModule(name, transports[name])),
  };
}

/** A fake as a platform module: every `/api/*` route of that service goes to the transport. */
function fakeModule(name: ServiceName, t: ServiceTransport): ServiceModule {
  const prefixes: Record<ServiceName, string[]> = {
    catalog: ['/api/products/*', '/api/inventory/*'],
    loyalty: ['/api/loyalty/*'],
    payments: ['/api/payments/*'],
  };
  return {
    name,
    migrations: { schema: `fake_${name}`, migrations: [] },
    async init() {
      return {
        async routes(app: App) {
          for (const url of prefixes[name])
            app.route({
              method: ['GET', 'POST'],
              url,
              schema: { hide: true },
              handler: async (req, reply) => {
                const key = req.headers['idempotency-key'];
                const res = await t({
                  method: req.method as 'GET' | 'POST',
                  path: req.url,
                  body: req.body,
                  ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
                });
                return reply.code(res.status).send(res.body);
              },
            });
        },
      };
    },
  };
}
