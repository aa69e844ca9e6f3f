/** Messages between the bench (parent) and its load-generator worker processes. */

export type RequestKind = 'earn' | 'redeem' | 'claim';

export interface MembersFile {
  ids: string[];
  tokens: string[];
  adminToken: string;
}

export interface Job {
  baseUrl: string;
  kind: RequestKind;
  /** Drop to claim (kind 'claim'). */
  dropId?: string;
  /** Points per earn (kind 'earn'); redemptions spend 1 point. */
  earnPoints?: number;
  /** Members this worker uses: indices [from, to), in order; `cycle` starts over at `to`. */
  from: number;
  to: number;
  cycle: boolean;
  /** closed: `concurrency` requests in flight, each sent when one completes. open: `ratePerS`. */
  mode: 'closed' | 'open';
  concurrency: number;
  ratePerS?: number;
  durationMs: number;
  requestsMax: number;
  /** Statuses that are a normal outcome; others are sampled with their body. */
  expected: number[];
  /** Closed loop: a 429 is sent again (same key, after Retry-After) up to this many times. */
  shedRetriesMax?: number;
}

export interface Sample {
  status: number | string;
  member: string;
  idempotencyKey: string;
  path: string;
  body: string;
}

export interface JobResult {
  statuses: Record<string, number>;
  /** Milliseconds, completion minus the scheduled (open) or actual (closed) send time. */
  latencies: Float64Array;
  startedAtMs: number;
  endedAtMs: number;
  samples: Sample[];
  /** 429s sent again (closed loop with shedRetriesMax); each request's final answer is counted once. */
  shedRetries: number;
}

export type ToWorker =
  { type: 'init'; membersFile: string } | { type: 'job'; job: Job } | { type: 'exit' };

export type FromWorker =
  { type: 'ready' } | { type: 'result'; result: JobResult } | { type: 'error'; message: string };
