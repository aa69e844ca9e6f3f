import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';

/**
 * The machine-readable "this process is ready" signal: one JSON log line on stdout with
 * `"event":"ready"`, written once the process listens (and its database, migrations and seed
 * are done). Tests, benchmarks and tools wait for it instead of reading the human banner on
 * stderr, which is for people and may change. Its fields are a contract: add, never rename.
 */
export interface ReadySignal {
  event: 'ready';
  /** The base URL people use: PUBLIC_URL, or http://localhost:PORT. */
  url: string;
  /** Where it listens, connectable (a wildcard address is given as loopback). */
  listen: string[];
  mode: 'standalone' | 'distributed' | 'gateway';
  /** The services this process serves (the gateway: the ones it routes to). */
  services: string[];
  pid: number;
  version: string;
  /** From the start of the process's work to listening. */
  ready_ms: number;
}

export const readyEvent = 'ready';

/**
 * Writes the ready line through the process's logger at `info`, whatever LOG_LEVEL says: it is
 * a protocol line, not chatter (a process started with LOG_LEVEL=warn still announces itself).
 */
export function announceReady(
  log: FastifyBaseLogger,
  signal: Omit<ReadySignal, 'event' | 'pid'>,
): void {
  log
    .child({}, { level: 'info' })
    .info({ ...signal, event: readyEvent, pid: process.pid }, 'ready');
}

/**
 * Connectable URLs of the addresses a server listens on (Fastify's `app.addresses()`); a
 * socket path (a string) is not a URL and is left out.
 */
export function listenUrls(addresses: ReadonlyArray<string | AddressInfo>): string[] {
  return addresses.flatMap((a) => {
    if (typeof a === 'string') return [];
    const host = a.address === '0.0.0.0' ? '127.0.0.1' : a.address === '::' ? '::1' : a.address;
    return host.includes(':') ? [`http://[${host}]:${a.port}`] : [`http://${host}:${a.port}`];
  });
}

/** The ready signal in one line of output, or undefined when the line is anything else. */
export function parseReadySignal(line: string): ReadySignal | undefined {
  if (!line.startsWith('{') || !line.includes(`"event":"${readyEvent}"`)) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<ReadySignal>;
    const ok =
      parsed.event === readyEvent &&
      typeof parsed.url === 'string' &&
      Array.isArray(parsed.listen) &&
      Array.isArray(parsed.services);
    return ok ? (parsed as ReadySignal) : undefined;
  } catch {
    return undefined;
  }
}
