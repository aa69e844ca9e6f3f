/**
 * Fuzzes every operation of an OpenAPI document against a running platform (in-process): for
 * each operation and each principal, `runs` valid and `runs` broken requests (fuzz-mutations.ts),
 * drawn with a fixed seed so a failure replays. What must hold:
 * - no answer is a 5xx (bar a payment provider's own failure, a documented 502);
 * - every broken request gets a 4xx application/problem+json;
 * - a refused write (any 4xx to POST, PUT, PATCH or DELETE) changes no row (db-changes.ts).
 */
import fc from 'fast-check';
import type { App } from '@redemption/kernel';
import type { DbChanges } from './db-changes.ts';
import { invalidRequest, validMutation, validRequest } from './fuzz-mutations.ts';
import { send } from './fuzz-send.ts';
import { operationsOf, type FuzzRequest, type Operation } from './fuzz-requests.ts';

export interface FuzzPrincipal {
  name: string;
  token: string;
}

export interface FuzzOptions {
  /** Valid and broken requests per operation and principal (each). */
  runs: number;
  seed: number;
  principals: readonly FuzzPrincipal[];
  /** Ids of real resources, used in paths half the time. */
  ids: readonly string[];
  /** Only operations whose `METHOD /path` matches (all when absent). */
  only?: RegExp;
  /** Operations that end the principals' sessions (logout, delete the account): run last. */
  last?: RegExp;
  /** Called after each operation with its requests and time (FUZZ_PROGRESS=1 prints it). */
  onOperation?: (operation: string, byStatus: Record<number, number>, ms: number) => void;
}

export interface FuzzFinding {
  operation: string;
  who: string;
  mutation: string;
  request: string;
  status: number;
  problem: string;
}

export interface FuzzReport {
  cases: number;
  byStatus: Record<number, number>;
  findings: FuzzFinding[];
  /**
   * Requests valid by the document that were answered 400: the document promises more than the
   * server takes (or the generator reads it loosely). Reported, not failed: coverage is lost.
   */
  disagreements: FuzzFinding[];
  operations: number;
  /** Wall time of the whole run. */
  ms: number;
}

/** A refused checkout is recorded as a cancelled order whose id the problem names (by design). */
const refusalKeepsRecord = (req: FuzzRequest, body: Record<string, unknown>) =>
  req.method === 'POST' &&
  req.url.startsWith('/api/orders') &&
  typeof body['order_id'] === 'string';

/** The simulated provider's own failure (tok_chargeDeclinedProcessingError): a documented 502. */
const providerFailure = (status: number, body: Record<string, unknown>) =>
  status === 502 && body['type'] === '/problems/payment-provider-error';

export async function fuzzOpenApi(
  app: App,
  doc: { paths: Record<string, Record<string, Record<string, unknown>>> },
  changes: DbChanges,
  opts: FuzzOptions,
): Promise<FuzzReport> {
  const started = Date.now();
  const report: FuzzReport = {
    cases: 0,
    byStatus: {},
    findings: [],
    disagreements: [],
    operations: 0,
    ms: 0,
  };
  const state = { dirty: false };
  const name = (op: Operation) => `${op.method} ${op.path}`;
  const isLast = (op: Operation) => (opts.last?.test(name(op)) ? 1 : 0);
  const ops = operationsOf(doc)
    .filter((op) => !opts.only || opts.only.test(name(op)))
    .sort((a, b) => isLast(a) - isLast(b));
  for (const [i, op] of ops.entries()) {
    report.operations++;
    const valid = fc.sample(validRequest(op, opts.ids), {
      numRuns: opts.runs,
      seed: opts.seed + i,
    });
    const broken = invalidRequest(op, opts.ids);
    const invalid = broken ? fc.sample(broken, { numRuns: opts.runs, seed: opts.seed + i }) : [];
    const opStarted = Date.now();
    const before = { ...report.byStatus };
    for (const who of opts.principals)
      for (const req of [...valid, ...invalid])
        await fuzzOne(app, changes, op, who, req, report, state);
    const byStatus = Object.fromEntries(
      Object.entries(report.byStatus)
        .map(([k, n]) => [k, n - (before[Number(k)] ?? 0)])
        .filter(([, n]) => n !== 0),
    );
    opts.onOperation?.(`${op.method} ${op.path}`, byStatus, Date.now() - opStarted);
  }
  report.ms = Date.now() - started;
  return report;
}

async function fuzzOne(
  app: App,
  changes: DbChanges,
  op: Operation,
  who: FuzzPrincipal,
  req: FuzzRequest,
  report: FuzzReport,
  state: { dirty: boolean },
): Promise<void> {
  const isWrite = req.method !== 'GET';
  if (isWrite && state.dirty) await changes.settle();
  const mark = isWrite ? await changes.mark() : 0;
  const res = await send(app, req, who.token, op.streams);
  report.cases++;
  report.byStatus[res.statusCode] = (report.byStatus[res.statusCode] ?? 0) + 1;
  const contentType = String(res.headers['content-type'] ?? '');
  const body = contentType.includes('json') && res.body ? (safeJson(res.body) ?? {}) : {};
  const find = (problem: string, into = report.findings) =>
    into.push({
      operation: `${op.method} ${op.path}`,
      who: who.name,
      mutation: req.mutation,
      request: `${req.method} ${req.url.slice(0, 200)} ${String(req.payload ?? '').slice(0, 200)}`,
      status: res.statusCode,
      problem: `${problem}: ${res.body.slice(0, 300)}`,
    });
  if (res.statusCode >= 500 && !providerFailure(res.statusCode, body)) find('server error');
  const refused = res.statusCode >= 400 && res.statusCode < 500;
  if (req.invalid && !refused) find('a broken request was not refused');
  if (req.mutation === validMutation && res.statusCode === 400)
    find('a valid request refused', report.disagreements);
  if (refused && !contentType.startsWith('application/problem+json'))
    find('a refusal that is not problem+json');
  if (isWrite && res.statusCode < 300) state.dirty = true;
  if (isWrite && res.statusCode >= 400 && !refusalKeepsRecord(req, body)) {
    const changed = await changes.since(mark);
    if (changed.length) find(`a refused write changed ${changed.join(', ')}`);
  }
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Findings grouped: one line per operation and problem, with how often and one example. */
export function summarize(findings: readonly FuzzFinding[]): string {
  const groups = new Map<string, { n: number; example: FuzzFinding }>();
  for (const f of findings) {
    const key = `${f.operation} [${f.status}] ${f.problem.slice(0, f.problem.indexOf(':'))}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { n: 1, example: f });
  }
  return [...groups.entries()]
    .map(
      ([key, g]) =>
        `${key} ×${g.n}\n    as ${g.example.who}, ${g.example.mutation}\n    ${g.example.request}\n    ${g.example.problem}`,
    )
    .join('\n');
}
