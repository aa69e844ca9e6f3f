import type { Db, Logger } from '@redemption/kernel';
import { readLastVerification } from '../store/ledger-verification.repository.ts';
import {
  VerificationBusyError,
  verifyLedger,
  type VerificationResult,
} from './ledger-verification.ts';

export interface VerificationSchedule {
  /** How often the ledger is verified (incrementally), counted from the last verification. */
  everyMs: number;
  /** How often the verification is a full one (what incremental runs cannot see: edits to rows already verified). */
  fullEveryMs: number;
}

/**
 * One round: verifies unless any pod (or the command) verified less than `everyMs` ago, so
 * several pods share the work instead of repeating it; the verification lock keeps two from
 * running at once. Returns the result, or undefined when there was nothing to do.
 */
export async function verificationRound(
  db: Db,
  schedule: VerificationSchedule,
  signal?: AbortSignal,
): Promise<VerificationResult | undefined> {
  const last = await readLastVerification(db);
  const now = Date.now();
  if (last.verifiedAt && now - last.verifiedAt.getTime() < schedule.everyMs) return undefined;
  const fullDue =
    !last.fullVerifiedAt || now - last.fullVerifiedAt.getTime() >= schedule.fullEveryMs;
  try {
    return await verifyLedger(db, {
      mode: fullDue ? 'full' : 'auto',
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (err instanceof VerificationBusyError) return undefined;
    throw err;
  }
}

/** Runs `verificationRound` every so often; the returned function stops it and waits for it. */
export function startVerificationJob(
  db: Db,
  log: Logger,
  schedule: VerificationSchedule,
  tickMs: number,
): () => Promise<void> {
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = verificationRound(db, schedule, stop.signal)
      .then((r) => {
        if (!r) return;
        const fields = {
          mode: r.mode,
          position: r.position,
          violations: r.violations,
          errors: r.errors,
          ms: r.ms,
          failed: r.checks
            .filter((c) => c.status === 'fail' || c.status === 'error')
            .map((c) => c.check),
        };
        if (r.violations > 0) log.error(fields, 'ledger verification found violations');
        else if (r.errors > 0) log.warn(fields, 'ledger verification could not run every check');
        else log.info(fields, 'ledger verified');
      })
      .catch((err: unknown) => {
        if (!stop.signal.aborted) log.warn({ err }, 'ledger verification failed');
      })
      .finally(() => (running = undefined));
  }, tickMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    stop.abort();
    await running;
  };
}
