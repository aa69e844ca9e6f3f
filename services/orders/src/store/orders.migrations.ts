import type { SchemaMigrations } from '@redemption/kernel';

/**
 * Orders, their lines (product name and price snapshotted at order time), the checkout saga's
 * state (persisted after every step, in the same transaction as the step's result), the saga
 * log, status history and refunds. Amounts are integer minor units, guarded by CHECKs.
 */
export const ordersMigrations: SchemaMigrations = {
  schema: 'orders',
  migrations: [
    {
      id: '0001_orders',
      sql: `
      CREATE TABLE orders.orders (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled')),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        total_amount integer NOT NULL CHECK (total_amount >= 0),
        points_used integer NOT NULL DEFAULT 0 CHECK (points_used >= 0),
        points_value integer NOT NULL DEFAULT 0 CHECK (points_value >= 0),
        cash_amount integer NOT NULL CHECK (cash_amount >= 0),
        refunded_cash integer NOT NULL DEFAULT 0,
        reversed_points integer NOT NULL DEFAULT 0,
        shipping_address jsonb NOT NULL,
        -- The card token (never a card number) is kept only until the charge step is settled.
        payment_token text,
        payment_id text,
        hold_id text,
        points_transaction_id text,
        cancel_reason text,
        -- Who asked and with which Idempotency-Key: a retry after a crash finds this order.
        request_key text NOT NULL UNIQUE,
        request_fingerprint text NOT NULL,
        saga_state text NOT NULL DEFAULT 'forward'
          CHECK (saga_state IN ('forward', 'compensating', 'completed', 'compensated')),
        saga_step text CHECK (saga_step IN ('reserve', 'hold', 'charge', 'capture', 'commit')),
        saga_attempts integer NOT NULL DEFAULT 0 CHECK (saga_attempts >= 0),
        saga_next_attempt_at timestamptz NOT NULL DEFAULT now(),
        saga_lease_owner uuid,
        saga_lease_until timestamptz,
        saga_last_error text,
        -- The problem a failed checkout answers with (402 decline, 409 out of stock, ...).
        saga_failure jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT amounts_add_up CHECK (points_value + cash_amount = total_amount),
        CONSTRAINT refunds_within_paid CHECK (refunded_cash BETWEEN 0 AND cash_amount
          AND reversed_points BETWEEN 0 AND points_used),
        CONSTRAINT terminal_saga_has_no_step CHECK
          ((saga_state IN ('completed', 'compensated')) = (saga_step IS NULL))
      );
      CREATE INDEX orders_user ON orders.orders (user_id, id DESC);
      -- The recovery worker's scan: unfinished sagas only.
      CREATE INDEX orders_saga_unfinished ON orders.orders (saga_next_attempt_at)
        WHERE saga_state IN ('forward', 'compensating');

      CREATE TABLE orders.order_items (
        order_id uuid NOT NULL REFERENCES orders.orders (id),
        line_no smallint NOT NULL CHECK (line_no >= 0),
        product_id uuid NOT NULL,
        product_name text NOT NULL,
        unit_price integer NOT NULL CHECK (unit_price >= 0),
        quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 100),
        PRIMARY KEY (order_id, line_no),
        UNIQUE (order_id, product_id)
      );

      CREATE TABLE orders.order_status_history (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders.orders (id),
        from_status text,
        to_status text NOT NULL,
        reason text,
        actor_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX order_status_history_order ON orders.order_status_history (order_id, id);

      CREATE TABLE orders.saga_log (
        id bigserial PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders.orders (id),
        step text NOT NULL,
        action text NOT NULL CHECK (action IN ('run', 'undo')),
        outcome text NOT NULL CHECK (outcome IN ('ok', 'failed', 'unknown')),
        detail text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX saga_log_order ON orders.saga_log (order_id, id);

      CREATE TABLE orders.refunds (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders.orders (id),
        request_key text NOT NULL UNIQUE,
        cash_amount integer NOT NULL CHECK (cash_amount >= 0),
        points integer NOT NULL CHECK (points >= 0),
        full_refund boolean NOT NULL,
        cancels_order boolean NOT NULL DEFAULT false,
        state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'completed', 'failed')),
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      );
      -- One refund in flight per order, so two cannot both spend what is left.
      CREATE UNIQUE INDEX refunds_one_pending ON orders.refunds (order_id) WHERE state = 'pending';
      `,
    },
    {
      id: '0002_refund_lease',
      sql: `
      -- The request running a pending refund holds it under a lease, like a saga: a concurrent
      -- request for the same refund (three cancels at once) is told to retry (409) instead of
      -- running it again, and a request whose process died is taken over once the lease ends.
      ALTER TABLE orders.refunds ADD COLUMN lease_owner uuid, ADD COLUMN lease_until timestamptz;
      `,
    },
    {
      id: '0003_refunded_status',
      sql: `
      -- An order whose cash came back in full by refunds ends 'refunded' (terminal, never shipped).
      ALTER TABLE orders.orders DROP CONSTRAINT orders_status_check;
      ALTER TABLE orders.orders ADD CONSTRAINT orders_status_check CHECK
        (status IN ('pending', 'processing', 'shipped', 'delivered', 'cancelled', 'refunded'));
      `,
    },
    {
      id: '0004_refund_requests',
      sql: `
      -- A member asks for a refund; an admin decides (POST /api/orders/:id/refunds). The request
      -- is a note on the order, not a refund: nothing moves until the admin refunds.
      ALTER TABLE orders.orders ADD COLUMN refund_requested_at timestamptz,
        ADD COLUMN refund_request_reason text;
      CREATE INDEX orders_refund_requested ON orders.orders (id DESC)
        WHERE refund_requested_at IS NOT NULL;
      `,
    },
    {
      id: '0005_request_key_in_kernel',
      sql: `
      -- A retry of POST /api/orders finds its order through the kernel's Idempotency-Key record
      -- (the order id is its checkpoint), which also refuses another body (422) and a retry
      -- while the first runs (409): orders keeps no key of its own.
      ALTER TABLE orders.orders DROP COLUMN request_key, DROP COLUMN request_fingerprint;
      `,
    },
  ],
};
