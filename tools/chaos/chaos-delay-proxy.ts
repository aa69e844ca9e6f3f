/**
 * A TCP proxy that holds every chunk for `delayMs` in each direction, in order: the latency half
 * of the "latency and loss" fault (this kernel has no netem, see chaos-net.ts); with a delay of 0
 * it forwards at once. Each process chaos runs sits behind one, as a Kubernetes Service's
 * address: `target` may change, new connections go to the new target and open ones stay where
 * they are, so a replacement can take over before the old process drains (the rolling restart).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export interface Target {
  host: string;
  port: number;
}

export interface DelayProxy {
  port: number;
  /** Where new connections go. */
  target: Target;
  /** Added one way, so a round trip gains twice this. */
  delayMs: number;
  close(): Promise<void>;
}

/**
 * Forwards `from` to `to`, each chunk `proxy.delayMs` later than it came, keeping the order. One
 * queue per direction, drained by one timer at a time, so the end can never overtake the last
 * chunk (two timers due at the same millisecond do not fire in a guaranteed order).
 */
function pipeDelayed(from: Socket, to: Socket, proxy: { delayMs: number }) {
  const queue: Array<{ at: number; act: () => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = (): void => {
    timer = undefined;
    while (queue.length && queue[0]!.at <= Date.now()) queue.shift()!.act();
    if (queue.length) timer = setTimeout(pump, queue[0]!.at - Date.now());
  };
  const push = (act: () => void): void => {
    queue.push({ at: Date.now() + proxy.delayMs, act });
    if (!timer) pump();
  };
  from.on('data', (chunk) => push(() => void (to.destroyed || to.write(chunk))));
  from.on('end', () => push(() => void (to.destroyed || to.end())));
  from.on('error', () => to.destroy());
}

export function startDelayProxy(listenHost: string, target: Target): Promise<DelayProxy> {
  const sockets = new Set<Socket>();
  const proxy: DelayProxy = { port: 0, target, delayMs: 0, close: () => Promise.resolve() };
  // Half-open both ways: a side that finished sending may still be owed an answer.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = createConnection({ ...proxy.target, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    pipeDelayed(client, upstream, proxy);
    pipeDelayed(upstream, client, proxy);
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, () => {
      proxy.port = (server.address() as { port: number }).port;
      proxy.close = () =>
        new Promise((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        });
      resolve(proxy);
    });
  });
}
