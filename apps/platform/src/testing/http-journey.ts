import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { httpCaller } from '@redemption/kernel/testing';

const password = 'a long enough passphrase';
/** METRICS_TOKEN for spawned processes; the journey always sends it (ignored when unset). */
export const testMetricsToken = 'test-metrics-token-0123456789abcdef';

/** Register → login → own profile → someone else's → bad body → metrics, over real HTTP. */
export async function memberJourney(baseUrl: string): Promise<void> {
  const call = httpCaller(() => baseUrl);
  const name = `j${randomUUID().slice(0, 8)}`;
  const reg = await call('POST', '/api/users/register', null, {
    username: name,
    email: `${name}@example.com`,
    password,
  });
  expect(reg.status).toBe(201);
  const login = await call('POST', '/api/users/login', null, { username: name, password });
  expect(login.status).toBe(200);
  const token = login.body['access_token'] as string;
  const me = await call('GET', `/api/users/${reg.body['id']}`, token);
  expect(me.status).toBe(200);
  expect(me.body['username']).toBe(name);
  expect((await call('GET', `/api/users/${randomUUID()}`, token)).status).toBe(404);
  const bad = await call('POST', '/api/users/register', null, { username: name, password });
  expect(bad.status).toBe(400);
  expect(bad.headers['content-type']).toContain('application/problem+json');
  expect(bad.body['detail']).toContain('body.email');
  const metrics = await (
    await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${testMetricsToken}` } })
  ).text();
  expect(metrics).toMatch(
    /http_requests_total\{method="POST",route="\/api\/users\/login",status_code="200"\} [1-9]/,
  );
  expect(metrics).toMatch(
    /http_requests_total\{method="POST",route="\/api\/users\/register",status_code="400"\} [1-9]/,
  );
}

/**
 * Starts a registration whose body arrives slowly, calls `duringRequest` (which sends SIGTERM)
 * while it is in flight, then finishes the body. Resolves with the response status.
 */
export function slowRegistration(
  baseUrl: string,
  duringRequest: () => Promise<void>,
): Promise<number> {
  const name = `s${randomUUID().slice(0, 8)}`;
  const body = JSON.stringify({ username: name, email: `${name}@example.com`, password });
  const half = Math.floor(body.length / 2);
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}/api/users/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.write(body.slice(0, half));
    setTimeout(() => {
      duringRequest()
        .then(() => req.end(body.slice(half)))
        .catch(reject);
    }, 200);
  });
}
