import type { Db, Job, Logger } from '@redemption/kernel';
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

/** `verificationRound` every `tickMs` as a background job (the kernel runs it; see `Job`). */
export const verificationJob = (
  db: Db,
  log: Logger,
  schedule: VerificationSchedule,
  tickMs: number,
): Job => ({
  name: 'loyalty.ledger-verification',
  everyMs: tickMs,
  async run(signal) {
    const r = await verificationRound(db, schedule, signal);
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
  },
});
