import { badRequest } from '@redemption/kernel';

/** Where a history page stopped: its last transaction's time and id (the tie-break). */
export interface HistoryCursor {
  at: string;
  id: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The form `Date#toISOString` gives, which is what encodeHistoryCursor writes. */
const isoInstantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const encodeHistoryCursor = (c: { created_at: Date; id: string }): string =>
  Buffer.from(`${c.created_at.toISOString()}|${c.id}`).toString('base64url');

/**
 * Only what encodeHistoryCursor writes is accepted. The query casts both halves (timestamptz,
 * uuid), and PostgreSQL reads far fewer forms than `Date.parse` does (`1`, `Tue, 01 Jan 2026`),
 * so a looser check let forged cursors reach the database and fail there as a 500.
 */
export function decodeHistoryCursor(raw: string): HistoryCursor {
  const parts = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  const [at, id] = parts;
  const ok =
    parts.length === 2 &&
    at !== undefined &&
    id !== undefined &&
    isoInstantPattern.test(at) &&
    Number.isFinite(Date.parse(at)) &&
    new Date(at).toISOString() === at &&
    uuidPattern.test(id);
  if (!ok)
    throw badRequest('querystring.cursor is not a cursor this API gave out', 'querystring.cursor');
  return { at, id };
}
