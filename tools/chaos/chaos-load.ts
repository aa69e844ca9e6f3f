/**
 * The steady mixed load: each worker is a member who orders with points and card, redeems a few
 * points and browses the catalog, in a loop. A write that gets a 5xx or no answer is retried with
 * the same Idempotency-Key (what a client should do) for `retryForMs`; what counts is each
 * attempt's status and whether the request finally failed.
 */
import { randomUUID } from 'node:crypto';

/**
 * How long a client keeps retrying one request. Each service runs as one process here, so a
 * kill -9 leaves its routes unanswered until the process is started again: 3 s (15 s in the
 * full profile) down, then a start-up that took 7–50 s on this 2-core machine under load. A
 * minute covers that; in the cluster a second replica answers meanwhile.
 */
const retryForMs = 60_000;
const retryPauseMs = 250;
const pointsPerOrder = 100;

export interface Tally {
  requests: number;
  byStatus: Record<string, number>;
  /** Requests still failing (5xx or no answer) after every retry. */
  failed: number;
  /** When each order succeeded (ms since the epoch), in order. */
  ordersOkAt: number[];
  /** Each refusal and error as `status route problem-type`, for the report. */
  problems: Record<string, number>;
}

export const newTally = (): Tally => ({
  requests: 0,
  byStatus: {},
  failed: 0,
  ordersOkAt: [],
  problems: {},
});

interface Worker {
  token: string;
}

export interface Load {
  tally: Tally;
  pause(): Promise<void>;
  resume(): void;
  stop(): Promise<void>;
}

async function attempt(
  base: string,
  method: string,
  path: string,
  token: string,
  body: unknown,
  key: string | null,
): Promise<{ status: number; type: string }> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    const type = res.status >= 400 ? (/"type":"([^"]+)"/.exec(text)?.[1] ?? text.slice(0, 40)) : '';
    return { status: res.status, type };
  } catch (err) {
    return { status: 0, type: (err as Error).name }; // no answer
  }
}

/** One logical request with retries; returns its final status. */
async function request(
  base: string,
  tally: Tally,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<number> {
  const key = method === 'GET' ? null : randomUUID();
  const deadline = Date.now() + retryForMs;
  tally.requests++;
  for (;;) {
    const { status, type } = await attempt(base, method, path, token, body, key);
    tally.byStatus[String(status)] = (tally.byStatus[String(status)] ?? 0) + 1;
    if (type) {
      const what = `${status} ${method} ${path.split('?')[0]} ${type}`;
      tally.problems[what] = (tally.problems[what] ?? 0) + 1;
    }
    if ((status > 0 && status < 500) || Date.now() > deadline) {
      if (status === 0 || status >= 500) tally.failed++;
      return status;
    }
    await new Promise((r) => setTimeout(r, retryPauseMs));
  }
}

export function startLoad(base: string, workers: Worker[], productIds: string[]): Load {
  let tally = newTally();
  let running = true;
  let paused = false;
  let idle = 0;
  const order = (token: string, i: number) => ({
    items: [{ product_id: productIds[i % productIds.length], quantity: 1 }],
    shipping_address: {
      name: 'Chaos',
      line1: '1 Road',
      city: 'Porto',
      postal_code: '4000',
      country: 'PT',
    },
    points_to_use: pointsPerOrder,
    payment: { method: 'card', token: 'tok_visa' },
  });
  const loop = async (w: Worker, n: number) => {
    for (let i = n; running; i++) {
      if (paused) {
        idle++;
        while (paused && running) await new Promise((r) => setTimeout(r, 50));
        idle--;
        continue;
      }
      const t = tally;
      const s = await request(base, t, 'POST', '/api/orders', w.token, order(w.token, i));
      if (s === 201) t.ordersOkAt.push(Date.now());
      await request(base, t, 'POST', '/api/loyalty/redemptions', w.token, { points: 10 });
      await request(base, t, 'GET', '/api/products?limit=5', w.token);
    }
  };
  const done = Promise.all(workers.map((w, n) => loop(w, n)));
  return {
    get tally() {
      return tally;
    },
    set tally(t: Tally) {
      tally = t;
    },
    async pause() {
      paused = true;
      while (idle < workers.length) await new Promise((r) => setTimeout(r, 50));
    },
    resume() {
      paused = false;
    },
    async stop() {
      running = false;
      paused = false;
      await done;
    },
  };
}
