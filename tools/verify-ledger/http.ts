/** One HTTP exchange as the harness sees it; a network failure is status 0. */
export interface Reply {
  status: number;
  /** Problem `type` for errors (e.g. `/problems/insufficient-points`). */
  type?: string;
  body?: Record<string, unknown>;
  error?: string;
}

const requestTimeoutMs = 30_000;

export async function call(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  opts: { token?: string; body?: unknown; key?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.key) headers['idempotency-key'] = opts.key;
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    const text = await res.text();
    let body: Record<string, unknown> | undefined;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      body = { text: text.slice(0, 200) };
    }
    const type = res.status >= 400 && typeof body?.['type'] === 'string' ? body['type'] : undefined;
    return { status: res.status, ...(type ? { type } : {}), ...(body ? { body } : {}) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { status: 0, error: e.cause?.code ?? e.cause?.message ?? e.name ?? String(err) };
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
