import type { SchemaMigrations } from '../db/migrations.ts';

/**
 * The outbox is also the log of the `pg` transport: rows are ordered by (txid, position), and
 * consumers only read rows whose transaction id is below the oldest still-running transaction
 * (`pg_snapshot_xmin`), so a row that commits late can never be skipped by a cursor.
 */
export const eventsMigrations: SchemaMigrations = {
  schema: 'kernel',
  migrations: [
    {
      id: '0002_events',
      sql: `
      CREATE TABLE kernel.outbox (
        position bigserial PRIMARY KEY,
        txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        id uuid NOT NULL, -- not unique: a DLQ replay re-appends the same event; inboxes dedupe
        topic text NOT NULL,
        partition int NOT NULL CHECK (partition >= 0),
        key text NOT NULL,
        event jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        relayed_at timestamptz
      );
      CREATE INDEX outbox_id ON kernel.outbox (id);
      CREATE INDEX outbox_log ON kernel.outbox (topic, partition, txid, position);
      CREATE INDEX outbox_unrelayed ON kernel.outbox (txid, position) WHERE relayed_at IS NULL;

      -- pg transport: which member owns a partition for a group, and how far it has read.
      CREATE TABLE kernel.consumer_partitions (
        group_name text NOT NULL,
        topic text NOT NULL,
        partition int NOT NULL,
        owner text,
        lease_until timestamptz,
        offset_txid xid8 NOT NULL DEFAULT '0',
        offset_position bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (group_name, topic, partition)
      );
      CREATE TABLE kernel.consumer_members (
        group_name text NOT NULL,
        member_id text NOT NULL,
        seen_until timestamptz NOT NULL,
        PRIMARY KEY (group_name, member_id)
      );

      -- Idempotent consumption: an event id is recorded in the same transaction as its effect.
      CREATE TABLE kernel.inbox (
        group_name text NOT NULL,
        event_id uuid NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_name, event_id)
      );

      CREATE TABLE kernel.dead_letters (
        id uuid PRIMARY KEY,
        group_name text NOT NULL,
        topic text NOT NULL,
        event_id uuid NOT NULL,
        event jsonb NOT NULL,
        error text NOT NULL,
        attempts int NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz,
        UNIQUE (group_name, event_id)
      );`,
    },
  ],
};
