/**
 * Just enough MIME (RFC 2045/2046) to read what nodemailer writes, for tests: unfolded headers,
 * multipart bodies (nested), quoted-printable and base64 parts.
 */
export interface MimePart {
  headers: Map<string, string>;
  /** Decoded body of a leaf part; '' for a multipart container. */
  body: string;
  parts: MimePart[];
}

function splitHead(raw: string): [string, string] {
  const at = raw.indexOf('\r\n\r\n');
  return at < 0 ? [raw, ''] : [raw.slice(0, at), raw.slice(at + 4)];
}

function parseHeaders(head: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function decode(body: string, encoding: string | undefined): string {
  if (encoding === 'base64')
    return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => `%${h}`);
    return decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25'));
  }
  return body;
}

export function parseMime(raw: string): MimePart {
  const [head, body] = splitHead(raw);
  const headers = parseHeaders(head);
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith('multipart/') || !boundary)
    return {
      headers,
      body: decode(body, headers.get('content-transfer-encoding')?.toLowerCase()),
      parts: [],
    };
  const chunks = body.split(`--${boundary}`).slice(1);
  const parts = chunks
    .filter((c) => !c.startsWith('--'))
    .map((c) => parseMime(c.replace(/^\r\n/, '').replace(/\r\n$/, '')));
  return { headers, body: '', parts };
}

/** The leaf parts of a message, depth first. */
export const leaves = (p: MimePart): MimePart[] => (p.parts.length ? p.parts.flatMap(leaves) : [p]);
