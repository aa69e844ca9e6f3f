import type { Queryable } from '@redemption/kernel';
import type { Channel } from '../domain/kinds.ts';

export interface MailboxMessage {
  id: string;
  channel: Channel;
  recipient: string;
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  createdAt: Date;
}

interface Row {
  id: string;
  channel: Channel;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  headers: Record<string, string>;
  created_at: Date;
}

const toMessage = (r: Row): MailboxMessage => ({
  id: r.id,
  channel: r.channel,
  recipient: r.recipient,
  subject: r.subject,
  text: r.text_body,
  html: r.html_body,
  headers: r.headers,
  createdAt: new Date(r.created_at),
});

export const mailboxRepository = {
  /** Stores a message under its delivery's id; a second store of the same id is a no-op. */
  async store(q: Queryable, m: Omit<MailboxMessage, 'createdAt'>): Promise<void> {
    await q.query(
      `INSERT INTO notifications.mailbox (id, channel, recipient, subject, text_body, html_body, headers)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [m.id, m.channel, m.recipient, m.subject, m.text, m.html, JSON.stringify(m.headers)],
    );
  },

  /** Newest first; `recipient` matches case-insensitively. Bodies included only by `get`. */
  async list(
    q: Queryable,
    f: { recipient?: string; before?: Date; limit: number },
  ): Promise<MailboxMessage[]> {
    const { rows } = await q.query<Row>(
      `SELECT id, channel, recipient, subject, text_body, NULL AS html_body, headers, created_at
       FROM notifications.mailbox
       WHERE ($1::text IS NULL OR lower(recipient) = lower($1)) AND ($2::timestamptz IS NULL OR created_at < $2)
       ORDER BY created_at DESC, id LIMIT $3`,
      [f.recipient ?? null, f.before ?? null, f.limit],
    );
    return rows.map(toMessage);
  },

  async get(q: Queryable, id: string): Promise<MailboxMessage | null> {
    const { rows } = await q.query<Row>(
      `SELECT id, channel, recipient, subject, text_body, html_body, headers, created_at
       FROM notifications.mailbox WHERE id = $1`,
      [id],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  },

  /** Keeps the newest `keep` messages; returns how many were deleted. */
  async prune(q: Queryable, keep: number): Promise<number> {
    const res = await q.query(
      `DELETE FROM notifications.mailbox WHERE id IN (
         SELECT id FROM notifications.mailbox ORDER BY created_at DESC, id OFFSET $1)`,
      [keep],
    );
    return res.rowCount;
  },
};
