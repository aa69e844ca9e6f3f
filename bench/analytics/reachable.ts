import { connect } from 'node:net';

/** Whether something accepts TCP connections at `host:port` within `ms`. */
export function tcpReachable(hostPort: string, ms = 2_000): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host: host!, port: Number(port ?? 9092) });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
