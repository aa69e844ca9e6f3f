import { createServer, createConnection, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from './chaos-delay-proxy.ts';
import { lossBytecode } from './chaos-net.ts';

let echo: Server | undefined;
let proxy: DelayProxy | undefined;
const servers: Server[] = [];

afterEach(async () => {
  await proxy?.close();
  await new Promise((r) => (echo ? echo.close(r) : r(undefined)));
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A server answering every chunk with its name; resolves with it and its port. */
async function named(name: string): Promise<number> {
  const s = createServer((c) => c.on('data', () => c.write(name)));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

const answer = (s: ReturnType<typeof createConnection>): Promise<string> =>
  new Promise((r) => s.once('data', (d) => r(d.toString())));

/** Sends `text` through the proxy to an echo server; the echo and how long it took. */
async function roundTrip(text: string): Promise<{ echoed: string; ms: number }> {
  const t0 = performance.now();
  const s = createConnection({ host: '127.0.0.1', port: proxy!.port });
  let echoed = '';
  s.on('data', (d) => (echoed += d.toString()));
  s.end(text);
  await new Promise((r) => s.on('close', r));
  return { echoed, ms: performance.now() - t0 };
}

describe('the delay proxy', () => {
  it('forwards both ways in order, and holds each way for delayMs', async () => {
    echo = createServer((c) => c.pipe(c));
    await new Promise<void>((r) => echo!.listen(0, '127.0.0.1', r));
    const port = (echo.address() as { port: number }).port;
    proxy = await startDelayProxy('127.0.0.1', { host: '127.0.0.1', port });
    const quick = await roundTrip('abc');
    expect(quick.echoed).toBe('abc');
    proxy.delayMs = 150;
    const slow = await roundTrip('0123456789'.repeat(1000));
    expect(slow.echoed).toBe('0123456789'.repeat(1000));
    expect(slow.ms).toBeGreaterThanOrEqual(2 * 150 - 5); // there and back
  });
});

describe('the proxy as a stable address', () => {
  it('sends new connections to a new target and leaves open ones where they are', async () => {
    const [a, b] = [await named('a'), await named('b')];
    proxy = await startDelayProxy('127.0.0.1', { host: '127.0.0.1', port: a });
    const before = createConnection({ host: '127.0.0.1', port: proxy.port });
    before.write('?');
    expect(await answer(before)).toBe('a');
    proxy.target = { host: '127.0.0.1', port: b };
    const after = createConnection({ host: '127.0.0.1', port: proxy.port });
    after.write('?');
    expect(await answer(after)).toBe('b');
    before.write('?');
    expect(await answer(before)).toBe('a'); // an open connection is not moved
    before.destroy();
    after.destroy();
  });
});

describe('the loss classifier', () => {
  it('matches TCP to or from the port and a random share below the loss', () => {
    const [count, ...ins] = lossBytecode(8080, 2, 5).split(',');
    expect(Number(count)).toBe(ins.length);
    expect(ins).toContain('21 0 4 8080'); // jeq #port
    expect(ins).toContain('53 1 0 5'); // jge #loss → no match
    expect(ins.at(-2)).toBe(`6 0 0 ${0x10020}`); // the black hole, 1:20
    expect(lossBytecode(8080, 0, 5)).toContain('72 0 0 14'); // source port: ldh [x+14]
  });
});
