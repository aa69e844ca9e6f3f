/**
 * Sends one fuzz request in-process. An operation that answers with a server-sent event stream
 * never finishes its body, so its answer is taken as soon as the head is written: the status
 * and headers, the body only when it is not the stream (a refusal), and the stream is closed.
 */
import type { App } from '@redemption/kernel';
import type { FuzzRequest } from './fuzz-requests.ts';

export interface FuzzAnswer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** A refusal's body is small; a stream that is not one is cut here. */
const refusalBodyMaxBytes = 64 * 1024;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(b);
    bytes += b.length;
    if (bytes > refusalBodyMaxBytes) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function send(
  app: App,
  req: FuzzRequest,
  token: string,
  streams: boolean,
): Promise<FuzzAnswer> {
  const opts = {
    method: req.method as 'GET',
    url: req.url,
    headers: { ...req.headers, authorization: `Bearer ${token}` },
    ...(req.payload === undefined ? {} : { payload: req.payload }),
  };
  if (!streams) return app.inject(opts);
  const abort = new AbortController();
  const res = await app.inject({ ...opts, payloadAsStream: true, signal: abort.signal });
  const isStream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
  const body = isStream ? '' : await readAll(res.stream());
  abort.abort();
  res.stream().destroy();
  return { statusCode: res.statusCode, headers: res.headers, body };
}
