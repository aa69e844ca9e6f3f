import type { App } from '../http/server.ts';
import type { ServiceTransport } from './service-caller.ts';

/**
 * A service in this process (standalone mode): the request goes through Fastify's `inject`,
 * so it meets the same schemas, auth and idempotency as over HTTP, without a socket.
 */
export function localTransport(app: () => App, token: () => Promise<string>): ServiceTransport {
  return async (req) => {
    const headers: Record<string, string> = { authorization: `Bearer ${await token()}` };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    if (req.idempotencyKey) headers['idempotency-key'] = req.idempotencyKey;
    const res = await app().inject({
      method: req.method,
      url: req.path,
      headers,
      ...(req.body !== undefined ? { payload: JSON.stringify(req.body) } : {}),
    });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as unknown) : null };
  };
}
