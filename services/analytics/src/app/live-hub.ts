import type { Db, Logger } from '@redemption/kernel';
import { resultsRepository, type StoredWindow } from '../store/results.repository.ts';
import { windowsChangedChannel } from './window-engine.ts';

/** Changes are gathered this long before one read and one push (ms). */
const coalesceMs = 250;
/** A comment line this often keeps proxies and load balancers from closing an idle stream. */
export const heartbeatMs = 15_000;
/** What a client that reconnects waits before trying again (the SSE `retry` field, ms). */
const reconnectMs = 5_000;
/** Windows of each 5-minute kind in the first picture a client gets. */
const snapshotWindows = 12;
/** A client that has not taken this much of its stream is too slow and is dropped (bytes). */
const clientBacklogMaxBytes = 1024 * 1024;

/** The part of a response the hub writes to (Node's ServerResponse). */
export interface LiveSink {
  write(chunk: string): boolean;
  end(): void;
  readonly writableLength: number;
}

export interface LiveHub {
  /** Adds a client: false when the hub is full (the route answers 503). */
  join(sink: LiveSink): Promise<boolean>;
  leave(sink: LiveSink): void;
  clients(): number;
  /** No room for another client (checked before the route commits to a stream). */
  isFull(): boolean;
  /** Says goodbye to every client and ends their streams (shutdown). */
  closeAll(): void;
  stop(): Promise<void>;
}

export const windowView = (w: StoredWindow) => ({
  kind: w.kind,
  start: new Date(w.start).toISOString(),
  end: new Date(w.end).toISOString(),
  revision: w.revision,
  updated_at: new Date(w.updatedAt).toISOString(),
  rows: w.rows,
});

const frame = (event: string, data: unknown): string =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Server-sent events of window results: a first picture (the latest windows), then every window
 * that fires or changes, read once per change for all clients. Changes come from a NOTIFY the
 * engine sends in the fold's transaction, so every process sees the windows any process folded,
 * after they commit. Bounded: `clientsMax` clients, a backlog cap per client, heartbeats.
 */
export async function createLiveHub(o: {
  db: Db;
  log: Logger;
  clientsMax: number;
}): Promise<LiveHub> {
  const sinks = new Set<LiveSink>();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const send = (sink: LiveSink, chunk: string): void => {
    if (sink.writableLength > clientBacklogMaxBytes) {
      sinks.delete(sink);
      sink.end();
      return;
    }
    sink.write(chunk);
  };
  const broadcast = (chunk: string): void => {
    for (const s of [...sinks]) send(s, chunk);
  };

  const flush = async (): Promise<void> => {
    timer = undefined;
    const keys = [...pending];
    pending.clear();
    if (sinks.size === 0) return;
    try {
      const windows = keys.includes('*')
        ? (
            await Promise.all(
              ['tumbling_5m', 'sliding_5m'].map((k) =>
                resultsRepository.latest(o.db, k as 'sliding_5m', 2),
              ),
            )
          ).flat()
        : await resultsRepository.byKeys(o.db, keys.map(parseKey));
      for (const w of windows) broadcast(frame('window', windowView(w)));
    } catch (err) {
      o.log.warn({ err }, 'analytics live view: could not read changed windows');
    }
  };
  const unlisten = await o.db.listen(windowsChangedChannel, (payload) => {
    for (const k of JSON.parse(payload) as string[]) pending.add(k);
    timer ??= setTimeout(() => void flush(), coalesceMs);
  });
  const heartbeat = setInterval(
    () => broadcast(`: heartbeat ${new Date().toISOString()}\n\n`),
    heartbeatMs,
  );
  heartbeat.unref();

  return {
    async join(sink) {
      if (sinks.size >= o.clientsMax) return false;
      sinks.add(sink);
      sink.write(`retry: ${reconnectMs}\n\n`);
      const first = await Promise.all(
        (['tumbling_5m', 'sliding_5m'] as const).map((k) =>
          resultsRepository.latest(o.db, k, snapshotWindows),
        ),
      );
      if (sinks.has(sink)) send(sink, frame('snapshot', { windows: first.flat().map(windowView) }));
      return true;
    },
    leave: (sink) => void sinks.delete(sink),
    clients: () => sinks.size,
    isFull: () => sinks.size >= o.clientsMax,
    closeAll() {
      for (const s of [...sinks]) {
        s.write(frame('shutdown', { reason: 'the server is shutting down; reconnect' }));
        s.end();
      }
      sinks.clear();
    },
    async stop() {
      clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
      await unlisten();
    },
  };
}

function parseKey(key: string): { kind: string; start: number } {
  const slash = key.indexOf('/');
  return { kind: key.slice(0, slash), start: Date.parse(key.slice(slash + 1)) };
}
