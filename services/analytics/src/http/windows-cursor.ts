import { badRequest } from '@redemption/kernel';

const isoInstantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Where a page stopped: its last window's start. */
export const encodeWindowsCursor = (start: number): string =>
  Buffer.from(`w|${new Date(start).toISOString()}`).toString('base64url');

/** Only what encodeWindowsCursor writes is accepted (a forged one is a 400, not a 500). */
export function decodeWindowsCursor(raw: string): number {
  const [tag, at, ...rest] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  const t = at !== undefined ? Date.parse(at) : NaN;
  if (tag !== 'w' || rest.length > 0 || !at || !isoInstantPattern.test(at) || !Number.isFinite(t))
    throw badRequest('querystring.cursor is not a cursor this API gave out', 'querystring.cursor');
  return t;
}
