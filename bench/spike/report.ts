/** The spike's figures per phase, its goals and the time to recover the base p99. */
import type { Phase, Sample } from './open-loop.ts';

export interface PhaseFigures {
  phase: string;
  offeredRps: number;
  sent: number;
  acceptedPerS: number;
  accepted202: number;
  tooMany429: number;
  refused4xx: number;
  server5xx: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  p99Of429Ms: number;
}

/** Recovery counts from the first window of this many ms whose p99 is back near the base. */
const recoveryWindowMs = 2_000;
/** "Back" means at most this multiple of the base phase's p99 (and at most +10 ms over it). */
const recoveredP99Factor = 1.5;
const recoveredP99SlackMs = 10;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const isAccepted = (s: Sample): boolean => s.status === 200 || s.status === 201;

export function phaseFigures(phase: Phase, samples: readonly Sample[]): PhaseFigures {
  const mine = samples.filter((s) => s.phase === phase.name);
  const accepted = mine.filter(isAccepted);
  const of = (pred: (st: number) => boolean) => mine.filter((s) => pred(s.status)).length;
  return {
    phase: phase.name,
    offeredRps: phase.rps,
    sent: mine.length,
    acceptedPerS: accepted.length / phase.durationS,
    accepted202: of((st) => st === 202),
    tooMany429: of((st) => st === 429),
    refused4xx: of((st) => st >= 400 && st < 500 && st !== 429),
    server5xx: of((st) => st >= 500),
    failed: of((st) => st === 0),
    p50Ms: percentile(
      accepted.map((s) => s.latencyMs),
      50,
    ),
    p99Ms: percentile(
      accepted.map((s) => s.latencyMs),
      99,
    ),
    p99Of429Ms: percentile(
      mine.filter((s) => s.status === 429).map((s) => s.latencyMs),
      99,
    ),
  };
}

/**
 * Seconds from the spike's end until accepted requests' p99 stays near the base phase's in every
 * later window; undefined when it never does before the run ends.
 */
export function recoveryS(
  samples: readonly Sample[],
  spikeEndMs: number,
  runEndMs: number,
  baseP99Ms: number,
): number | undefined {
  const limitMs = Math.min(baseP99Ms * recoveredP99Factor, baseP99Ms + recoveredP99SlackMs);
  const windows: number[] = [];
  for (let t = spikeEndMs; t < runEndMs; t += recoveryWindowMs) {
    const inWindow = samples.filter(
      (s) => isAccepted(s) && s.startMs >= t && s.startMs < t + recoveryWindowMs,
    );
    windows.push(
      percentile(
        inWindow.map((s) => s.latencyMs),
        99,
      ),
    );
  }
  for (let i = 0; i < windows.length; i++)
    if (windows.slice(i).every((p99) => p99 <= Math.max(limitMs, 1)))
      return (i * recoveryWindowMs) / 1_000;
  return undefined;
}

const fmt = (n: number, digits = 0): string => n.toFixed(digits);

export function phaseTable(rows: readonly PhaseFigures[]): string[] {
  const head =
    '| phase | offered/s | sent | accepted/s | 202 | 429 | other 4xx | 5xx | no answer | p50 ms | p99 ms | p99 of 429 ms |';
  return [
    head,
    head.replace(/[^|]+/g, '---'),
    ...rows.map(
      (r) =>
        `| ${r.phase} | ${fmt(r.offeredRps)} | ${r.sent} | ${fmt(r.acceptedPerS, 1)} | ${r.accepted202} | ${r.tooMany429} | ${r.refused4xx} | ${r.server5xx} | ${r.failed} | ${fmt(r.p50Ms)} | ${fmt(r.p99Ms)} | ${fmt(r.p99Of429Ms, 1)} |`,
    ),
  ];
}

/** Answers by kind and status in one phase: where the refusals come from. */
export function kindTable(phase: string, samples: readonly Sample[]): string[] {
  const byKind = new Map<string, Map<number, number>>();
  for (const s of samples.filter((x) => x.phase === phase)) {
    const m = byKind.get(s.kind) ?? new Map<number, number>();
    m.set(s.status, (m.get(s.status) ?? 0) + 1);
    byKind.set(s.kind, m);
  }
  const acceptedMs = (kind: string) =>
    samples
      .filter((s) => s.phase === phase && s.kind === kind && isAccepted(s))
      .map((s) => s.latencyMs);
  return [...byKind.entries()].map(
    ([kind, m]) =>
      `  ${phase} ${kind}: ${[...m.entries()]
        .sort(([a], [b]) => a - b)
        .map(([st, c]) => `${st || 'no answer'}×${c}`)
        .join(
          ', ',
        )}; accepted p50 ${percentile(acceptedMs(kind), 50).toFixed(0)} ms, p99 ${percentile(acceptedMs(kind), 99).toFixed(0)} ms`,
  );
}
