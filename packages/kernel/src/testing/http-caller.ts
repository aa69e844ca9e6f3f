import { callerOver, type Caller } from './test-platform.ts';

/** How long one call to a running process may take in a test. */
const httpCallTimeoutMs = 30_000;

/**
 * The same caller as `injectCaller`, over HTTP to a running process (a spawned platform or
 * gateway): `baseUrl` is asked at each call, so it may be known only once the process is up.
 */
export function httpCaller(baseUrl: () => string): Caller {
  return callerOver(async ({ method, url, headers, body }) => {
    const res = await fetch(`${baseUrl()}${url}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(httpCallTimeoutMs),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text ? JSON.parse(text) : {},
      headers: Object.fromEntries(res.headers),
    };
  });
}
