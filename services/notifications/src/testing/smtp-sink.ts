import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { leaves, parseMime, type MimePart } from './mime.ts';

/** A mail the sink accepted (its 250 reached the sender). */
export interface SinkMessage {
  from: string;
  to: string[];
  raw: string;
  mime: MimePart;
  header(name: string): string | undefined;
  text: string | undefined;
  html: string | undefined;
}

export interface SmtpSink {
  /** `smtp://127.0.0.1:<port>` */
  url: string;
  accepted: SinkMessage[];
  /** Resolves with the first accepted mail that matches (now or later). */
  waitFor(match: (m: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  /**
   * Holds the reply to the next mail that matches: the sender has written the whole message and
   * waits for the 250. Resolves when it is held; `release` answers it, and a mail whose sender
   * hung up meanwhile is not accepted (the sender never heard a 250).
   */
  hold(match: (m: SinkMessage) => boolean): Promise<SinkMessage>;
  release(): void;
  /** The reply to every later mail: an SMTP error code (e.g. 451, 550), or null to accept. */
  refuseWith(code: number | null): void;
  close(): Promise<void>;
}

const waitDefaultMs = 20_000;

function toMessage(raw: string, from: string, to: string[]): SinkMessage {
  const mime = parseMime(raw);
  const part = (type: string) =>
    leaves(mime).find((p) => (p.headers.get('content-type') ?? '').startsWith(type))?.body;
  return {
    from,
    to,
    raw,
    mime,
    header: (n) => mime.headers.get(n.toLowerCase()),
    text: part('text/plain'),
    html: part('text/html'),
  };
}

/** A real SMTP server (the smtp-server package) on a free local port, keeping what it accepts. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const accepted: SinkMessage[] = [];
  const waiters = new Set<() => void>();
  const closed = new Set<string>();
  let holding: { match: (m: SinkMessage) => boolean; held: (m: SinkMessage) => void } | null = null;
  let releaseHeld: (() => void) | null = null;
  let refusal: number | null = null;
  const accept = (m: SinkMessage) => {
    accepted.push(m);
    for (const w of waiters) w();
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onClose: (session) => void closed.add(session.id),
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const m = toMessage(
          Buffer.concat(chunks).toString('utf8'),
          from,
          session.envelope.rcptTo.map((r) => r.address),
        );
        if (refusal !== null)
          return callback(
            Object.assign(new Error(`refused (${refusal})`), { responseCode: refusal }),
          );
        if (holding?.match(m)) {
          const h = holding;
          holding = null;
          releaseHeld = () => (closed.has(session.id) ? undefined : (accept(m), callback()));
          return h.held(m);
        }
        accept(m);
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    waitFor(match, timeoutMs = waitDefaultMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = accepted.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`no matching mail within ${timeoutMs} ms (${accepted.length} accepted)`),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    hold: (match) => new Promise((held) => (holding = { match, held })),
    release() {
      releaseHeld?.();
      releaseHeld = null;
    },
    refuseWith(code) {
      refusal = code;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
