import type { SchemaMigrations } from '@redemption/kernel';

export const paymentsMigrations: SchemaMigrations = {
  schema: 'payments',
  migrations: [
    {
      id: '0001_payments',
      sql: `
      -- One successful payment per order (order_id UNIQUE). Card data: brand and last4 only.
      CREATE TABLE payments.payments (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL UNIQUE,
        member_id uuid NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        payment_method text NOT NULL CHECK (payment_method = 'card'),
        status text NOT NULL CHECK (status IN ('succeeded', 'partially_refunded', 'refunded')),
        transaction_id varchar(255) NOT NULL,
        provider text NOT NULL CHECK (provider IN ('simulated', 'stripe')),
        card_brand varchar(32),
        card_last4 char(4),
        refunded_amount bigint NOT NULL DEFAULT 0 CHECK (refunded_amount BETWEEN 0 AND amount),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX payments_transaction ON payments.payments (provider, transaction_id);
      CREATE INDEX payments_member ON payments.payments (member_id);

      -- Every charge attempt, so failures do not take the order's slot in payments. A 'pending'
      -- attempt is the order's lock while the provider is called (one in flight per order).
      CREATE TABLE payments.payment_attempts (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL,
        member_id uuid NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        provider text NOT NULL,
        outcome text NOT NULL
          CHECK (outcome IN ('pending', 'succeeded', 'declined', 'provider_error', 'abandoned', 'duplicate')),
        decline_code varchar(64),
        payment_id uuid REFERENCES payments.payments (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        settled_at timestamptz
      );
      CREATE UNIQUE INDEX payment_attempts_one_pending ON payments.payment_attempts (order_id)
        WHERE outcome = 'pending';
      CREATE INDEX payment_attempts_order ON payments.payment_attempts (order_id, created_at);

      CREATE TABLE payments.refunds (
        id uuid PRIMARY KEY,
        payment_id uuid NOT NULL REFERENCES payments.payments (id),
        amount bigint NOT NULL CHECK (amount > 0),
        reason varchar(200),
        provider_refund_id varchar(255) NOT NULL,
        status text NOT NULL CHECK (status = 'succeeded'),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX refunds_payment ON payments.refunds (payment_id);
      CREATE UNIQUE INDEX refunds_provider_id ON payments.refunds (provider_refund_id);

      -- Stripe webhook deliveries already handled (Stripe retries; each event id counts once).
      CREATE TABLE payments.webhook_events (
        id varchar(255) PRIMARY KEY,
        type varchar(100) NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      );`,
    },
    {
      id: '0002_settle_by_provider',
      sql: `
      -- An attempt remembers which request made it (a hash of its key, nothing readable) and the
      -- provider's charge id as soon as one exists, before any money can move: an attempt left
      -- pending by a crash is settled by asking the provider about that id, never by a timer.
      ALTER TABLE payments.payment_attempts
        ADD COLUMN provider_key varchar(255),
        ADD COLUMN transaction_id varchar(255);
      CREATE INDEX payment_attempts_transaction ON payments.payment_attempts (transaction_id)
        WHERE transaction_id IS NOT NULL;

      -- Orders that must end with no money taken (the checkout was undone or cancelled): never
      -- charged again, and a charge that lands for one anyway is refunded at once.
      CREATE TABLE payments.voided_orders (
        order_id uuid PRIMARY KEY,
        reason varchar(200),
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
    },
  ],
};
