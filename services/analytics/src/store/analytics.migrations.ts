import type { SchemaMigrations } from '@redemption/kernel';

/**
 * The embedded engine's state (decision 020): the watermark, one-minute pane counters (an event
 * is written once, to its pane; a window is the sum of its panes), and the published results
 * per window. All of it is written in the consumer's transaction, with the inbox row, so a
 * redelivered event changes nothing and a crash loses nothing.
 */
export const analyticsMigrations: SchemaMigrations = {
  schema: 'analytics',
  migrations: [
    {
      id: '0001_windows',
      sql: `
      -- One row: where event time stands. Every fold locks it first, so folds are serialized
      -- (the watermark is one total order) and the lock order is always engine, panes, windows.
      CREATE TABLE analytics.engine (
        id smallint PRIMARY KEY CHECK (id = 1),
        max_event_at timestamptz,
        watermark timestamptz,
        -- Processing time of the last event: the idle advance closes windows after a silence.
        last_event_seen_at timestamptz,
        events_folded bigint NOT NULL DEFAULT 0,
        events_dropped_late bigint NOT NULL DEFAULT 0
      );
      INSERT INTO analytics.engine (id) VALUES (1);

      CREATE TABLE analytics.pane_counters (
        pane_start timestamptz NOT NULL,
        metric text NOT NULL,
        key text NOT NULL,
        value bigint NOT NULL,
        PRIMARY KEY (pane_start, metric, key)
      );

      CREATE TABLE analytics.windows (
        kind text NOT NULL CHECK (kind IN ('tumbling_5m', 'sliding_5m', 'day')),
        window_start timestamptz NOT NULL,
        window_end timestamptz NOT NULL CHECK (window_end > window_start),
        -- 1 when it fired; each late update that changed a row adds one.
        revision int NOT NULL CHECK (revision >= 1),
        fired_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        PRIMARY KEY (kind, window_start)
      );
      CREATE INDEX windows_updated ON analytics.windows (updated_at);

      CREATE TABLE analytics.results (
        kind text NOT NULL,
        window_start timestamptz NOT NULL,
        metric text NOT NULL,
        key text NOT NULL,
        value bigint NOT NULL,
        label text,
        PRIMARY KEY (kind, window_start, metric, key),
        FOREIGN KEY (kind, window_start) REFERENCES analytics.windows (kind, window_start)
          ON DELETE CASCADE
      );
      `,
    },
  ],
};
