/**
 * A load-generator process (forked by load-pool.ts): sends the loyalty API requests a Job
 * describes to 127.0.0.1 over keep-alive connections, closed-loop (fixed concurrency) or
 * open-loop (fixed rate; latency counted from each request's scheduled time, so a slow server
 * cannot hide its queueing), and reports statuses and latencies.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { FromWorker, Job, JobResult, MembersFile, Sample, ToWorker } from './load-types.ts';

const requestTimeoutMs = 30_000;
const drainMaxMs = 60_000;
const samplesMax = 5;
const sampleBodyMaxChars = 500;
const latencySlotsMax = 2_000_000;
const tickMs = 1;
/** A shed request's Retry-After is honoured up to this. */
const retryAfterMaxS = 5;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let members: MembersFile | undefined;

interface Outcome {
  status: number | string;
  body: string;
  /** The answer's Retry-After header, in seconds (absent or unreadable: undefined). */
  retryAfterS?: number;
}

interface Run {
  job: Job;
  agent: http.Agent;
  url: URL;
  result: JobResult;
  recorded: number;
}

interface Planned {
  path: string;
  token: string;
  body: string;
  member: string;
}

function requestFor(run: Run, n: number): Planned {
  const m = members!;
  const { job } = run;
  const span = job.to - job.from;
  const i = job.from + (job.cycle ? n % span : n);
  if (job.kind === 'earn') {
    const body = { member_id: m.ids[i], points: job.earnPoints ?? 1, reason: 'bench' };
    const path = '/api/loyalty/earn';
    return { path, token: m.adminToken, body: JSON.stringify(body), member: m.ids[i]! };
  }
  const member = m.ids[i]!;
  const token = m.tokens[i]!;
  if (job.kind === 'redeem')
    return { path: '/api/loyalty/redemptions', token, body: '{"points":1}', member };
  return { path: `/api/loyalty/drops/${job.dropId}/claims`, token, body: '{}', member };
}

function send(
  run: Run,
  n: number,
  key: string = randomUUID(),
): Promise<Outcome & Omit<Sample, 'status' | 'body'>> {
  const { path, token, body, member } = requestFor(run, n);
  return new Promise((resolve) => {
    const done = (status: number | string, text: string, retryAfterS?: number): void =>
      resolve({ status, body: text, member, idempotencyKey: key, path, retryAfterS });
    const req = http.request(
      {
        agent: run.agent,
        host: run.url.hostname,
        port: run.url.port,
        method: 'POST',
        path,
        timeout: requestTimeoutMs,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'idempotency-key': key,
        },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const keep = !run.job.expected.includes(status) && run.result.samples.length < samplesMax;
        const retryAfterS = Number(res.headers['retry-after']);
        let text = '';
        res.on('data', (c: Buffer) => {
          if (keep && text.length < sampleBodyMaxChars) text += c.toString();
        });
        res.on('end', () =>
          done(status, text, Number.isFinite(retryAfterS) ? retryAfterS : undefined),
        );
        res.on('error', (e) => done('response-error', e.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => done(e.message === 'timeout' ? 'timeout' : 'error', e.message));
    req.end(body);
  });
}

function record(run: Run, o: Awaited<ReturnType<typeof send>>, latencyMs: number): void {
  const r = run.result;
  const k = String(o.status);
  r.statuses[k] = (r.statuses[k] ?? 0) + 1;
  if (run.recorded < r.latencies.length) r.latencies[run.recorded++] = latencyMs;
  const unexpected = typeof o.status !== 'number' || !run.job.expected.includes(o.status);
  if (unexpected && r.samples.length < samplesMax)
    r.samples.push({ ...o, body: o.body.slice(0, sampleBodyMaxChars) });
}

/**
 * Sends request n; a 429 (shed: the server is at capacity) is sent again with the same
 * idempotency key after its Retry-After plus up to a second of jitter, as a client should, at
 * most job.shedRetriesMax times. The latency is the client's: from the first send to the answer.
 */
async function sendRetryingShed(run: Run, n: number): Promise<Awaited<ReturnType<typeof send>>> {
  const key = randomUUID();
  for (let attempt = 0; ; attempt++) {
    const o = await send(run, n, key);
    if (o.status !== 429 || attempt >= (run.job.shedRetriesMax ?? 0)) return o;
    run.result.shedRetries++;
    const retryAfterS = Math.min(o.retryAfterS ?? 1, retryAfterMaxS);
    await sleep(retryAfterS * 1_000 + Math.random() * 1_000);
  }
}

async function closedLoop(run: Run): Promise<void> {
  const { job } = run;
  const end = performance.now() + job.durationMs;
  let issued = 0;
  const lane = async (): Promise<void> => {
    while (issued < job.requestsMax && performance.now() < end) {
      const n = issued++;
      const t = performance.now();
      const o = await sendRetryingShed(run, n);
      record(run, o, performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, lane));
}

function openLoop(run: Run): Promise<void> {
  const { job } = run;
  const intervalMs = 1_000 / job.ratePerS!;
  const total = Math.min(job.requestsMax, Math.floor(job.durationMs / intervalMs));
  const t0 = performance.now();
  const hardEnd = t0 + job.durationMs + drainMaxMs;
  let next = 0;
  let inflight = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && t0 + next * intervalMs <= now && inflight < job.concurrency) {
        const scheduled = t0 + next * intervalMs;
        inflight++;
        void send(run, next++).then((o) => {
          inflight--;
          record(run, o, performance.now() - scheduled);
        });
      }
      if ((next >= total && inflight === 0) || now > hardEnd) return resolve();
      setTimeout(tick, tickMs);
    };
    tick();
  });
}

async function runJob(job: Job): Promise<JobResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const slots = Math.min(job.requestsMax, latencySlotsMax);
  const result: JobResult = {
    statuses: {},
    latencies: new Float64Array(slots),
    startedAtMs: performance.timeOrigin + performance.now(),
    endedAtMs: 0,
    samples: [],
    shedRetries: 0,
  };
  const run: Run = { job, agent, url: new URL(job.baseUrl), result, recorded: 0 };
  try {
    await (job.mode === 'closed' ? closedLoop(run) : openLoop(run));
  } finally {
    agent.destroy();
  }
  result.endedAtMs = performance.timeOrigin + performance.now();
  result.latencies = result.latencies.slice(0, run.recorded);
  return result;
}

const reply = (m: FromWorker): void => void process.send!(m);

process.on('message', (msg: ToWorker) => {
  if (msg.type === 'exit') return process.exit(0);
  if (msg.type === 'init') {
    members = JSON.parse(readFileSync(msg.membersFile, 'utf8')) as MembersFile;
    return reply({ type: 'ready' });
  }
  runJob(msg.job).then(
    (result) => reply({ type: 'result', result }),
    (err: unknown) => reply({ type: 'error', message: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
