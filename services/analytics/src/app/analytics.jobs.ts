import type { Db, Job, Logger } from '@redemption/kernel';
import { panesRepository } from '../store/panes.repository.ts';
import { resultsRepository } from '../store/results.repository.ts';
import { engineRepository } from '../store/engine.repository.ts';
import type { WindowEngine } from './window-engine.ts';

const idleCheckEveryMs = 10_000;
const purgeEveryMs = 10 * 60_000;
/** One-minute counters are kept this long: the longest window (a day) plus its lateness. */
const paneRetentionMs = 2 * 86_400_000;
const dayMs = 86_400_000;

/**
 * After `idleAdvanceMs` without any event, moves the watermark to now minus that, so the windows
 * of a silence still close (a stalled flash sale shows as zero orders and an anomaly instead of
 * never being reported). Processing time only enters here, and only after a silence.
 */
export function idleAdvanceJob(
  db: Db,
  engine: WindowEngine,
  idleAdvanceMs: number,
  log: Logger,
): Job {
  return {
    name: 'analytics.idle-advance',
    everyMs: idleCheckEveryMs,
    async run() {
      const now = Date.now();
      const fired = await db.tx(async (q) => {
        const s = await engineRepository.lock(q);
        if (s.lastEventSeenAt === null || now - s.lastEventSeenAt < idleAdvanceMs) return 0;
        return engine.advanceTo(q, now - idleAdvanceMs);
      });
      if (fired > 0) log.info({ fired }, 'analytics: watermark moved after a silence');
    },
  };
}

/** Deletes counters and results no one may read any more (by event time: the watermark). */
export function purgeJob(db: Db, retentionDays: number): Job {
  return {
    name: 'analytics.purge',
    everyMs: purgeEveryMs,
    async run() {
      await db.tx(async (q) => {
        const { watermark } = await engineRepository.lock(q);
        if (watermark === null) return;
        await panesRepository.purgeBefore(q, watermark - paneRetentionMs);
        await resultsRepository.purgeBefore(q, watermark - retentionDays * dayMs);
      });
    },
  };
}
