import type { Queryable } from '@redemption/kernel';

export interface EngineState {
  watermark: number | null;
  lastEventSeenAt: number | null;
}

const ms = (d: Date | null): number | null => (d ? d.getTime() : null);

/** The engine row: the watermark and counts. Locked first by every fold and every advance. */
export const engineRepository = {
  async lock(q: Queryable): Promise<EngineState> {
    const { rows } = await q.query<{ watermark: Date | null; last_event_seen_at: Date | null }>(
      'SELECT watermark, last_event_seen_at FROM analytics.engine WHERE id = 1 FOR UPDATE',
    );
    const r = rows[0]!;
    return { watermark: ms(r.watermark), lastEventSeenAt: ms(r.last_event_seen_at) };
  },

  /** After an event: the new watermark, its time, and whether it counted or came too late. */
  async recordEvent(
    q: Queryable,
    e: { watermark: number; eventTime: number; folded: boolean; droppedLate: boolean },
  ): Promise<void> {
    await q.query(
      `UPDATE analytics.engine SET watermark = $1,
         max_event_at = GREATEST(max_event_at, $2), last_event_seen_at = now(),
         events_folded = events_folded + $3, events_dropped_late = events_dropped_late + $4
       WHERE id = 1`,
      [new Date(e.watermark), new Date(e.eventTime), e.folded ? 1 : 0, e.droppedLate ? 1 : 0],
    );
  },

  async setWatermark(q: Queryable, watermark: number): Promise<void> {
    await q.query('UPDATE analytics.engine SET watermark = $1 WHERE id = 1', [new Date(watermark)]);
  },

  async stats(q: Queryable) {
    const { rows } = await q.query<{
      watermark: Date | null;
      max_event_at: Date | null;
      events_folded: number;
      events_dropped_late: number;
    }>(
      'SELECT watermark, max_event_at, events_folded, events_dropped_late FROM analytics.engine WHERE id = 1',
    );
    return rows[0]!;
  },
};
