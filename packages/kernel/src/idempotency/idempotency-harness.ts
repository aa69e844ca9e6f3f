/**
 * A tiny app for the idempotency tests: `POST /api/orders` (scope `t`, key required) inserts
 * one row into `orders` per run, then does whatever `harness.behaviour` says (wait, throw).
 * `POST /api/bookings` (scope `b`) is work in several steps: it inserts its row in a transaction
 * of its own with a checkpoint, then runs `behaviour`, then answers 201, or 202 (not final)
 * while `harness.pending` is set; a retry that resumes records what it was given in `resumed`.
 */
import { pino } from 'pino';
import { Type } from 'typebox';
import type { Db, Queryable } from '../db/db.ts';
import { migrate } from '../db/migrations.ts';
import { createServer, type App } from '../http/server.ts';
import { injectCaller, type Reply } from '../testing/test-platform.ts';
import { fingerprintOf, idempotencyMigrations, type Outcome } from './idempotency.ts';
import { createIdempotency, type Attempt, type Idempotency } from './idempotency-runner.ts';

export interface Harness {
  app: App;
  db: Db;
  idempotency: Idempotency;
  /** Runs inside the effect's transaction, after its insert. Reset to a no-op before each test. */
  behaviour: () => Promise<void>;
  /** How many times the effect function was entered (committed or not). */
  runs: number;
  /** `/api/bookings` answers 202, not final, while this is true. Reset to false before each test. */
  pending: boolean;
  /** `/api/bookings` records its row as a checkpoint. Reset to true before each test. */
  checkpoints: boolean;
  /** What each `/api/bookings` run got as `resumeFrom`, in order. */
  resumed: unknown[];
  post(key: string | undefined, body: object, path?: string): Promise<Reply>;
  /** Rows the effect committed. */
  effects(): Promise<number>;
  /**
   * Simulates another process holding `key` without a stored response, its lease ending then;
   * with `checkpoint`, that run had recorded it (for `/api/bookings`, scope `b`).
   */
  plantLease(
    key: string,
    body: object,
    leaseUntil: 'past' | 'future',
    checkpoint?: object,
  ): Promise<void>;
}

const orderBody = Type.Object({ item: Type.String({ maxLength: 50 }) });

export async function createHarness(db: Db): Promise<Harness> {
  await migrate(db, [idempotencyMigrations]);
  await db.exec('CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, item text NOT NULL)');
  const app = await createServer({
    logger: pino({ level: 'silent' }),
    title: 'idempotency-test',
    version: '0',
    corsOrigins: [],
  });
  const idempotency = createIdempotency({ db, ttlH: 24 });
  const call = injectCaller(app);
  const h: Harness = {
    app,
    db,
    idempotency,
    behaviour: async () => undefined,
    runs: 0,
    pending: false,
    checkpoints: true,
    resumed: [],
    post: (key, body, path = '/api/orders') => call('POST', path, null, body, key ?? null),
    effects: async () =>
      (await db.query<{ c: number }>('SELECT count(*) AS c FROM orders')).rows[0]?.c ?? -1,
    plantLease: (key, body, leaseUntil, checkpoint) =>
      plantLease(db, { key, body, leaseUntil, checkpoint }),
  };
  const effect = async (q: Queryable, item: string) => {
    h.runs++;
    const { rows } = await q.query<{ id: number }>(
      'INSERT INTO orders (item) VALUES ($1) RETURNING id',
      [item],
    );
    await h.behaviour();
    return { statusCode: 201, body: { id: rows[0]?.id, item } };
  };
  for (const [path, scope, required] of [
    ['/api/orders', 't', true],
    ['/api/gifts', 'g', true],
    ['/api/notes', 'n', false],
  ] as const) {
    app.post(path, { schema: { body: orderBody } }, async (req, reply) =>
      idempotency.run(req, reply, { scope, required }, (q) => effect(q, req.body.item)),
    );
  }
  app.post('/api/bookings', { schema: { body: orderBody } }, async (req, reply) =>
    idempotency.respond(req, reply, { scope: 'b', required: true }, (attempt) =>
      booking(h, attempt, req.body.item),
    ),
  );
  await app.ready();
  return h;
}

/** Work in steps: the row (checkpointed) first, unless a retry resumes it; then `behaviour`. */
async function booking(h: Harness, attempt: Attempt, item: string): Promise<Outcome> {
  h.runs++;
  h.resumed.push(attempt.resumeFrom);
  let id = (attempt.resumeFrom as { id: number } | undefined)?.id;
  if (id === undefined) {
    id = await h.db.tx(async (q) => {
      const { rows } = await q.query<{ id: number }>(
        'INSERT INTO orders (item) VALUES ($1) RETURNING id',
        [item],
      );
      if (h.checkpoints) await attempt.checkpoint?.(q, { id: rows[0]!.id });
      return rows[0]!.id;
    });
  }
  await h.behaviour();
  const body = { id, item };
  return h.pending ? { statusCode: 202, body, final: false } : { statusCode: 201, body };
}

interface PlantedLease {
  key: string;
  body: object;
  leaseUntil: 'past' | 'future';
  checkpoint: object | undefined;
}

async function plantLease(db: Db, p: PlantedLease) {
  const lease =
    p.leaseUntil === 'past' ? "now() - interval '1 second'" : "now() + interval '1 hour'";
  const [scope, path] = p.checkpoint ? ['b', '/api/bookings'] : ['t', '/api/orders'];
  await db.query(
    `INSERT INTO kernel.idempotency_keys (scope, key, fingerprint, lease_token, lease_until, expires_at, response_body)
     VALUES ($1, $2, $3, gen_random_uuid(), ${lease}, now() + interval '1 day', $4)`,
    [
      `${scope}:anonymous`,
      p.key,
      fingerprintOf('POST', path, p.body),
      p.checkpoint ? JSON.stringify(p.checkpoint) : null,
    ],
  );
}

/**
 * Sends a request whose effect waits until `release` is called, and resolves once the effect
 * has started: the test can send a duplicate while the first still holds the key.
 */
export async function startBlocked(
  h: Harness,
  key: string,
  body: object,
): Promise<{ first: Promise<Reply>; release: () => void }> {
  const started = latch();
  const released = latch();
  h.behaviour = async () => {
    started.open();
    await released.promise;
  };
  const first = h.post(key, body);
  await started.promise;
  return { first, release: released.open };
}

/** A promise and the function that settles it, for handlers that must wait on the test. */
export function latch(): { promise: Promise<void>; open: () => void } {
  const { promise, resolve } = Promise.withResolvers<void>();
  return { promise, open: () => resolve() };
}
