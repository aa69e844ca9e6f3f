import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ProblemError } from '../errors/problem.ts';
import { remoteTransport } from './service-caller.ts';

interface Seen {
  key: string | undefined;
  auth: string | undefined;
  body: string;
}

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A stand-in service answering with `answers` in turn (the last one repeats). */
async function serve(answers: Array<number | 'hang'>): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({
        key: req.headers['idempotency-key'] as string | undefined,
        auth: req.headers.authorization,
        body,
      });
      const a = answers[Math.min(seen.length - 1, answers.length - 1)]!;
      if (a === 'hang') return;
      res.writeHead(a, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ n: seen.length }));
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen };
}

const transport = (url: string, timeoutMs = 2_000, attemptsMax = 3) =>
  remoteTransport({
    service: 'loyalty',
    baseUrl: url,
    token: async () => 'tkn',
    timeoutMs,
    attemptsMax,
  });

describe('remoteTransport', () => {
  it('retries 503 with the same Idempotency-Key and returns the eventual answer', async () => {
    const { url, seen } = await serve([503, 503, 201]);
    const res = await transport(url)({
      method: 'POST',
      path: '/api/loyalty/holds',
      body: { points: 5 },
      idempotencyKey: 'order:1:hold',
    });
    expect(res).toEqual({ status: 201, body: { n: 3 } });
    expect(seen.map((s) => s.key)).toEqual(['order:1:hold', 'order:1:hold', 'order:1:hold']);
    expect(seen.every((s) => s.auth === 'Bearer tkn' && s.body === '{"points":5}')).toBe(true);
  });

  it('does not retry a definite answer such as 422', async () => {
    const { url, seen } = await serve([422]);
    const res = await transport(url)({ method: 'POST', path: '/api/x', body: {} });
    expect(res.status).toBe(422);
    expect(seen).toHaveLength(1);
  });

  it('gives the last retryable answer back when attempts run out', async () => {
    const { url, seen } = await serve([502]);
    const res = await transport(url, 2_000, 2)({ method: 'GET', path: '/api/x' });
    expect(res.status).toBe(502);
    expect(seen).toHaveLength(2);
  });

  it('turns a timeout into a 503 problem after its attempts', async () => {
    const { url, seen } = await serve(['hang']);
    const err = await transport(url, 150, 2)({ method: 'GET', path: '/api/x' }).catch((e) => e);
    expect(err).toBeInstanceOf(ProblemError);
    expect((err as ProblemError).status).toBe(503);
    expect((err as ProblemError).slug).toBe('dependency-unavailable');
    expect(seen).toHaveLength(2);
  });

  it('opens the circuit after consecutive failures and then fails without calling', async () => {
    const { url, seen } = await serve([500]);
    const t = transport(url, 2_000, 1);
    // Nothing listens any more: every call is refused, a failure the breaker counts.
    server!.close();
    await new Promise((r) => setTimeout(r, 20));
    const errors: unknown[] = [];
    for (let i = 0; i < 7; i++) errors.push(await t({ method: 'GET', path: '/x' }).catch((e) => e));
    const details = errors.map((e) => (e as ProblemError).message);
    expect(details.slice(0, 5).every((d) => !d.includes('circuit open'))).toBe(true);
    expect(details.slice(5).every((d) => d.includes('circuit open'))).toBe(true);
    expect(seen).toHaveLength(0);
  });
});
