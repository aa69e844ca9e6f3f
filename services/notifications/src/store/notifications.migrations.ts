import type { SchemaMigrations } from '@redemption/kernel';

export const notificationsMigrations: SchemaMigrations = {
  schema: 'notifications',
  migrations: [
    {
      id: '0001_notifications',
      sql: `
      -- One row per (cause, channel, recipient), its id derived from them (domain/delivery.ts):
      -- written before anything is sent, so a crash, a redelivered event or a second pod finds
      -- it instead of sending again. 'sending' with a lease is a send in progress; a lease that
      -- ran out is a send whose process died, taken over by the next dispatcher round.
      CREATE TABLE notifications.deliveries (
        id uuid PRIMARY KEY,
        cause text NOT NULL,
        template text NOT NULL,
        category text NOT NULL CHECK (category IN ('transactional', 'marketing')),
        channel text NOT NULL CHECK (channel IN ('email', 'sms', 'push')),
        member_id text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead', 'skipped')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_token uuid,
        lease_until timestamptz,
        provider text,
        provider_message_id text,
        address text,
        subject text,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      );
      CREATE INDEX deliveries_due ON notifications.deliveries (next_attempt_at)
        WHERE status = 'pending';
      CREATE INDEX deliveries_sending ON notifications.deliveries (lease_until)
        WHERE status = 'sending';
      CREATE INDEX deliveries_member ON notifications.deliveries (member_id, created_at DESC);
      CREATE INDEX deliveries_status ON notifications.deliveries (status, created_at DESC);

      -- A member's choices; no row means the default (domain/preferences.ts).
      CREATE TABLE notifications.preferences (
        member_id text NOT NULL,
        category text NOT NULL,
        channel text NOT NULL,
        enabled boolean NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (member_id, category, channel)
      );
      CREATE INDEX preferences_opted_in ON notifications.preferences (category, channel, member_id)
        WHERE enabled;
      CREATE TABLE notifications.member_settings (
        member_id text PRIMARY KEY,
        locale text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE notifications.push_subscriptions (
        id uuid PRIMARY KEY,
        member_id text NOT NULL,
        endpoint text NOT NULL UNIQUE,
        p256dh text NOT NULL,
        auth text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX push_subscriptions_member ON notifications.push_subscriptions (member_id);

      -- The dev mailbox: what would have been sent, when no provider is configured. The id is
      -- the delivery's, so storing a message twice is a no-op.
      CREATE TABLE notifications.mailbox (
        id uuid PRIMARY KEY,
        channel text NOT NULL,
        recipient text NOT NULL,
        subject text NOT NULL,
        text_body text NOT NULL,
        html_body text,
        headers jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX mailbox_recent ON notifications.mailbox (created_at DESC);

      -- Drops already announced to the opted-in members (once per drop, whichever pod).
      CREATE TABLE notifications.drop_announcements (
        drop_id uuid PRIMARY KEY,
        announced_at timestamptz NOT NULL DEFAULT now()
      );

      -- Daily jobs that finished a day's work (the points-expiry warnings).
      CREATE TABLE notifications.daily_runs (
        job text NOT NULL,
        day date NOT NULL,
        finished_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (job, day)
      );

      -- Keys this service generates for itself when none is configured (the unsubscribe key).
      CREATE TABLE notifications.secrets (
        name text PRIMARY KEY,
        value text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
    },
  ],
};
