import { createHash } from 'node:crypto';

/** Strong ETag of a representation: a digest of its exact JSON bytes. */
export const etagOf = (body: unknown): string =>
  `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url').slice(0, 32)}"`;

/** If-None-Match / If-Match: `*` or a list of (possibly weak) tags. */
export function etagMatches(header: string | undefined, etag: string, weakOk: boolean): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((raw) => {
    const t = raw.trim();
    return t === etag || (weakOk && t === `W/${etag}`);
  });
}
