import type { Queryable } from '@redemption/kernel';
import type { DeliveryStatus } from '../domain/delivery.ts';
import type { Category, Channel, TemplateName } from '../domain/kinds.ts';
import type { Payload } from '../domain/message-vars.ts';

export interface NewDelivery {
  id: string;
  cause: string;
  template: TemplateName;
  category: Category;
  channel: Channel;
  memberId: string;
  payload: Payload;
}

export interface Delivery extends NewDelivery {
  status: DeliveryStatus;
  attempts: number;
  provider: string | null;
  providerMessageId: string | null;
  address: string | null;
  subject: string | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  nextAttemptAt: Date;
}

/** A delivery this process holds the lease of; every later write names the lease. */
export interface ClaimedDelivery extends Delivery {
  leaseToken: string;
}

interface Row {
  id: string;
  cause: string;
  template: TemplateName;
  category: Category;
  channel: Channel;
  member_id: string;
  payload: Payload;
  status: DeliveryStatus;
  attempts: number;
  provider: string | null;
  provider_message_id: string | null;
  address: string | null;
  subject: string | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
  next_attempt_at: Date;
  lease_token?: string;
}

const columns = `id, cause, template, category, channel, member_id, payload, status, attempts, provider,
  provider_message_id, address, subject, last_error, created_at, updated_at, sent_at, next_attempt_at`;
const claimedColumns = columns
  .split(',')
  .map((c) => `d.${c.trim()}`)
  .join(', ');
const errorTextMax = 1_000;

const toDelivery = (r: Row): Delivery => ({
  id: r.id,
  cause: r.cause,
  template: r.template,
  category: r.category,
  channel: r.channel,
  memberId: r.member_id,
  payload: r.payload,
  status: r.status,
  attempts: r.attempts,
  provider: r.provider,
  providerMessageId: r.provider_message_id,
  address: r.address,
  subject: r.subject,
  lastError: r.last_error,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
  sentAt: r.sent_at ? new Date(r.sent_at) : null,
  nextAttemptAt: new Date(r.next_attempt_at),
});

export const deliveriesRepository = {
  /** Records deliveries; an id already there is left as it is. Returns how many are new. */
  async insertMany(q: Queryable, rows: readonly NewDelivery[]): Promise<number> {
    if (rows.length === 0) return 0;
    const res = await q.query(
      `INSERT INTO notifications.deliveries (id, cause, template, category, channel, member_id, payload)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])
       ON CONFLICT (id) DO NOTHING`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.cause),
        rows.map((r) => r.template),
        rows.map((r) => r.category),
        rows.map((r) => r.channel),
        rows.map((r) => r.memberId),
        rows.map((r) => JSON.stringify(r.payload)),
      ],
    );
    return res.rowCount;
  },

  /**
   * Takes up to `limit` deliveries that are due, or whose sender's lease ran out (it died
   * mid-send), for `leaseMs`; other pods skip the locked rows.
   */
  async claimDue(q: Queryable, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const { rows } = await q.query<Row>(
      `WITH due AS (
         SELECT id FROM notifications.deliveries
         WHERE (status = 'pending' AND next_attempt_at <= now())
            OR (status = 'sending' AND lease_until < now())
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE notifications.deliveries d SET status = 'sending', lease_token = gen_random_uuid(),
         lease_until = now() + $2 * interval '1 millisecond', attempts = d.attempts + 1, updated_at = now()
       FROM due WHERE d.id = due.id
       RETURNING ${claimedColumns}, d.lease_token`,
      [limit, leaseMs],
    );
    return rows.map((r) => ({ ...toDelivery(r), leaseToken: r.lease_token! }));
  },

  /** Sent; false when the lease was lost (another sender took over: it records its own). */
  async markSent(
    q: Queryable,
    d: ClaimedDelivery,
    out: {
      provider: string;
      providerMessageId: string | null;
      address: string;
      subject: string | null;
    },
  ): Promise<boolean> {
    const res = await q.query(
      `UPDATE notifications.deliveries SET status = 'sent', provider = $3, provider_message_id = $4,
         address = $5, subject = $6, last_error = NULL, lease_token = NULL, lease_until = NULL,
         sent_at = now(), updated_at = now()
       WHERE id = $1 AND lease_token = $2`,
      [d.id, d.leaseToken, out.provider, out.providerMessageId, out.address, out.subject],
    );
    return res.rowCount === 1;
  },

  /** Back to pending after `delayMs`; a rate-limited try does not count as an attempt. */
  async retryLater(
    q: Queryable,
    d: ClaimedDelivery,
    delayMs: number,
    error: string | null,
    countAttempt: boolean,
  ): Promise<void> {
    await q.query(
      `UPDATE notifications.deliveries SET status = 'pending', lease_token = NULL, lease_until = NULL,
         next_attempt_at = now() + $3 * interval '1 millisecond', last_error = coalesce($4, last_error),
         attempts = attempts - $5, updated_at = now()
       WHERE id = $1 AND lease_token = $2`,
      [d.id, d.leaseToken, delayMs, error?.slice(0, errorTextMax) ?? null, countAttempt ? 0 : 1],
    );
  },

  /** Ends a delivery: failed (permanently), dead (out of attempts) or skipped (nothing to send). */
  async finish(
    q: Queryable,
    d: ClaimedDelivery,
    status: 'failed' | 'dead' | 'skipped',
    error: string,
  ): Promise<void> {
    await q.query(
      `UPDATE notifications.deliveries SET status = $3, last_error = $4, lease_token = NULL,
         lease_until = NULL, updated_at = now()
       WHERE id = $1 AND lease_token = $2`,
      [d.id, d.leaseToken, status, error.slice(0, errorTextMax)],
    );
  },

  async get(q: Queryable, id: string): Promise<Delivery | null> {
    const { rows } = await q.query<Row>(
      `SELECT ${columns} FROM notifications.deliveries WHERE id = $1`,
      [id],
    );
    return rows[0] ? toDelivery(rows[0]) : null;
  },

  /** Newest first, before the `before` delivery's time, optionally of one member or status. */
  async list(
    q: Queryable,
    f: { memberId?: string; status?: DeliveryStatus; before?: Date; limit: number },
  ): Promise<Delivery[]> {
    const { rows } = await q.query<Row>(
      `SELECT ${columns} FROM notifications.deliveries
       WHERE ($1::text IS NULL OR member_id = $1) AND ($2::text IS NULL OR status = $2)
         AND ($3::timestamptz IS NULL OR created_at < $3)
       ORDER BY created_at DESC, id LIMIT $4`,
      [f.memberId ?? null, f.status ?? null, f.before ?? null, f.limit],
    );
    return rows.map(toDelivery);
  },
};
