/**
 * An open-loop load generator: requests start at the schedule's rate whatever the answers take
 * (a closed loop would slow down with the server and hide the spike). Each answer is recorded
 * with its phase, kind, status and latency. In-flight requests are bounded: beyond
 * `inFlightMax` a request is counted as `dropped` by the client, never silently skipped.
 */
export interface Phase {
  name: string;
  durationS: number;
  /** Requests per second at the end of the phase. */
  rps: number;
  /** Seconds over which the rate moves from the previous phase's to `rps` (0: at once). */
  rampS?: number;
}

export interface Sample {
  phase: string;
  kind: string;
  /** HTTP status; 0 for a network error or a client-side timeout. */
  status: number;
  latencyMs: number;
  /** When the request started, ms since the run began. */
  startMs: number;
}

export interface Shot {
  kind: string;
  send(signal: AbortSignal): Promise<number>;
}

const tickMs = 10;
export const inFlightMax = 4_000;
const requestTimeoutMs = 30_000;

/** Runs the phases; `next` gives the request to send at each slot. Resolves when all answered. */
export async function runOpenLoop(
  phases: readonly Phase[],
  next: () => Shot,
  /** Called as each phase starts (with the one that ended, if any) and once at the end. */
  atBoundary: (ended: string | undefined) => Promise<void> = async () => undefined,
): Promise<{ samples: Sample[]; dropped: number; phaseStartsMs: Map<string, number> }> {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  const phaseStartsMs = new Map<string, number>();
  let dropped = 0;
  const t0 = performance.now();
  let prevRps = phases[0]?.rps ?? 0;
  let ended: string | undefined;
  for (const phase of phases) {
    await atBoundary(ended);
    ended = phase.name;
    const startMs = performance.now() - t0;
    phaseStartsMs.set(phase.name, startMs);
    const fromRps = prevRps;
    let owed = 0;
    let lastMs = performance.now();
    while (performance.now() - t0 - startMs < phase.durationS * 1_000) {
      await new Promise((r) => setTimeout(r, tickMs));
      const now = performance.now();
      const intoS = (now - t0 - startMs) / 1_000;
      const ramp = phase.rampS ? Math.min(1, intoS / phase.rampS) : 1;
      owed += ((fromRps + (phase.rps - fromRps) * ramp) * (now - lastMs)) / 1_000;
      lastMs = now;
      for (; owed >= 1; owed--) {
        if (pending.size >= inFlightMax) {
          dropped++;
          continue;
        }
        const p = fire(next(), phase.name, t0, samples).finally(() => pending.delete(p));
        pending.add(p);
      }
    }
    prevRps = phase.rps;
  }
  await Promise.all(pending);
  await atBoundary(ended);
  return { samples, dropped, phaseStartsMs };
}

async function fire(shot: Shot, phase: string, t0: number, out: Sample[]): Promise<void> {
  const startMs = performance.now() - t0;
  const signal = AbortSignal.timeout(requestTimeoutMs);
  const status = await shot.send(signal).catch(() => 0);
  out.push({
    phase,
    kind: shot.kind,
    status,
    latencyMs: performance.now() - t0 - startMs,
    startMs,
  });
}
