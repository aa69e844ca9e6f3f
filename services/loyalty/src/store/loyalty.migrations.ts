import type { SchemaMigrations } from '@redemption/kernel';

/**
 * The ledger's tables. Balances are stored beside the entries for speed and guarded by CHECKs;
 * `verify` (and the correctness harness) recompute them from the entries.
 */
export const loyaltyMigrations: SchemaMigrations = {
  schema: 'loyalty',
  migrations: [
    {
      id: '0001_ledger',
      sql: `
      CREATE TABLE loyalty.accounts (
        id text PRIMARY KEY,                 -- member uuid, or 'program:<name>'
        kind text NOT NULL CHECK (kind IN ('member', 'program')),
        balance bigint NOT NULL DEFAULT 0,
        held bigint NOT NULL DEFAULT 0,
        tier text NOT NULL DEFAULT 'member',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT member_balance_not_negative CHECK (kind <> 'member' OR balance >= 0),
        CONSTRAINT member_held_within_balance CHECK (kind <> 'member' OR (held >= 0 AND held <= balance))
      );
      INSERT INTO loyalty.accounts (id, kind) VALUES
        ('program:issued', 'program'), ('program:redeemed', 'program'),
        ('program:breakage', 'program'), ('program:adjustments', 'program');

      CREATE TABLE loyalty.transactions (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        member_id text NOT NULL REFERENCES loyalty.accounts (id),
        points bigint NOT NULL CHECK (points > 0),
        -- +1: the member was credited, -1: debited; contra_account took the other side.
        direction smallint NOT NULL CHECK (direction IN (-1, 1)),
        contra_account text NOT NULL REFERENCES loyalty.accounts (id),
        reference text,
        reason text,
        reverses uuid REFERENCES loyalty.transactions (id),
        reversed_points bigint NOT NULL DEFAULT 0 CHECK (reversed_points >= 0 AND reversed_points <= points),
        actor_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX transactions_member ON loyalty.transactions (member_id, created_at DESC, id DESC);

      CREATE TABLE loyalty.entries (
        id bigserial PRIMARY KEY,
        transaction_id uuid NOT NULL REFERENCES loyalty.transactions (id),
        account_id text NOT NULL REFERENCES loyalty.accounts (id),
        amount bigint NOT NULL CHECK (amount <> 0)
      );
      CREATE INDEX entries_transaction ON loyalty.entries (transaction_id);
      CREATE INDEX entries_account ON loyalty.entries (account_id);

      CREATE TABLE loyalty.lots (
        id uuid PRIMARY KEY,
        member_id text NOT NULL REFERENCES loyalty.accounts (id),
        transaction_id uuid NOT NULL REFERENCES loyalty.transactions (id),
        points bigint NOT NULL CHECK (points > 0),
        remaining bigint NOT NULL CHECK (remaining >= 0 AND remaining <= points),
        qualifying boolean NOT NULL DEFAULT true,
        earned_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX lots_member_open ON loyalty.lots (member_id, expires_at) WHERE remaining > 0;
      CREATE INDEX lots_expiring ON loyalty.lots (expires_at) WHERE remaining > 0;

      CREATE TABLE loyalty.holds (
        id uuid PRIMARY KEY,
        member_id text NOT NULL REFERENCES loyalty.accounts (id),
        points bigint NOT NULL CHECK (points > 0),
        captured_points bigint NOT NULL DEFAULT 0,
        status text NOT NULL CHECK (status IN ('active', 'captured', 'released', 'expired')),
        reference text,
        capture_transaction_id uuid REFERENCES loyalty.transactions (id),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (captured_points >= 0 AND captured_points <= points)
      );
      CREATE INDEX holds_active_expiry ON loyalty.holds (expires_at) WHERE status = 'active';

      CREATE TABLE loyalty.drops (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        points_price bigint NOT NULL CHECK (points_price > 0),
        quantity int NOT NULL CHECK (quantity > 0),
        sold int NOT NULL DEFAULT 0,
        per_member_limit int NOT NULL CHECK (per_member_limit > 0),
        opens_at timestamptz NOT NULL,
        closes_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT drop_never_oversold CHECK (sold >= 0 AND sold <= quantity),
        CHECK (closes_at > opens_at)
      );
      CREATE TABLE loyalty.drop_claims (
        id uuid PRIMARY KEY,
        drop_id uuid NOT NULL REFERENCES loyalty.drops (id),
        member_id text NOT NULL REFERENCES loyalty.accounts (id),
        transaction_id uuid NOT NULL REFERENCES loyalty.transactions (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX drop_claims_member ON loyalty.drop_claims (drop_id, member_id);
      `,
    },
    {
      id: '0002_async_operations',
      sql: `
      -- Burst absorption: with Prefer: respond-async, an op that finds the in-memory queue full
      -- waits here (durably) instead of getting 429; a worker feeds it to the ledger.
      CREATE TABLE loyalty.async_operations (
        id uuid PRIMARY KEY,
        owner_id text NOT NULL,
        op jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'refused')),
        status_code int,
        result jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      );
      CREATE INDEX async_operations_pending ON loyalty.async_operations (created_at) WHERE status = 'pending';
      `,
    },
    {
      id: '0003_order_earnings',
      sql: `
      -- Points earned on a paid order: written by the orders consumer in its inbox transaction
      -- (one row per order, whatever the redeliveries), applied to the ledger by a worker
      -- that marks the row earned in the ledger batch's own transaction.
      CREATE TABLE loyalty.order_earnings (
        order_id text PRIMARY KEY,
        member_id text NOT NULL REFERENCES loyalty.accounts (id),
        cash_amount bigint NOT NULL CHECK (cash_amount > 0), -- minor units
        currency text,
        base_points bigint NOT NULL CHECK (base_points > 0), -- before the tier multiplier
        transaction_id uuid NOT NULL UNIQUE,                -- the earn, derived from order_id
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'earned', 'refused')),
        refusal text,
        earned_points bigint,                                -- after the tier multiplier
        refunded_cash bigint NOT NULL DEFAULT 0 CHECK (refunded_cash >= 0 AND refunded_cash <= cash_amount),
        -- Points settled against refunds: reversed, or written off when already spent.
        reversed_points bigint NOT NULL DEFAULT 0 CHECK (reversed_points >= 0),
        written_off_points bigint NOT NULL DEFAULT 0 CHECK (written_off_points >= 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX order_earnings_pending ON loyalty.order_earnings (created_at) WHERE status = 'pending';
      CREATE INDEX order_earnings_refunded ON loyalty.order_earnings (created_at)
        WHERE status = 'earned' AND refunded_cash > 0;
      `,
    },
    {
      id: '0004_order_earnings_pending',
      sql: `
      -- Points earned on an order stay pending (visible, not spendable) until the order is
      -- delivered and its return window has passed (decision 006): release_at is set from
      -- order_delivered; the worker earns what the cash still kept is worth, then. Rows left
      -- pending under the old rule (earn at once) keep it: they are released now.
      ALTER TABLE loyalty.order_earnings ADD COLUMN release_at timestamptz;
      UPDATE loyalty.order_earnings SET release_at = created_at WHERE status = 'pending';
      -- Cash already refunded when the points were earned (the earn did not count it), so
      -- refunds after the earn are reversed in proportion to the cash the earn did count.
      ALTER TABLE loyalty.order_earnings
        ADD COLUMN refunded_cash_at_earn bigint NOT NULL DEFAULT 0 CHECK (refunded_cash_at_earn >= 0);
      -- A worker claims a row while its earn is in flight, so no other worker voids it or
      -- submits the same earn meanwhile.
      ALTER TABLE loyalty.order_earnings ADD COLUMN claimed_until timestamptz;
      ALTER TABLE loyalty.order_earnings DROP CONSTRAINT order_earnings_status_check;
      ALTER TABLE loyalty.order_earnings ADD CONSTRAINT order_earnings_status_check
        CHECK (status IN ('pending', 'earned', 'refused', 'voided'));
      DROP INDEX loyalty.order_earnings_pending;
      CREATE INDEX order_earnings_release ON loyalty.order_earnings (release_at)
        WHERE status = 'pending';
      CREATE INDEX order_earnings_member_pending ON loyalty.order_earnings (member_id)
        WHERE status = 'pending';
      `,
    },
    {
      id: '0005_ledger_verification',
      sql: `
      -- Reconciliation (decision 007). Each transaction records the id of the database
      -- transaction that wrote it, so a verification can tell exactly which ledger
      -- transactions its previous snapshot could not see (pg_visible_in_snapshot): a position
      -- by id or time would skip one that commits late. Rows written before this migration
      -- keep NULL (they are older than any verification). ADD COLUMN without a default and
      -- SET DEFAULT afterwards: no table rewrite.
      ALTER TABLE loyalty.transactions ADD COLUMN txid xid8;
      ALTER TABLE loyalty.transactions ALTER COLUMN txid SET DEFAULT pg_current_xact_id();
      CREATE INDEX transactions_txid ON loyalty.transactions (txid);
      -- The reversal check reads reversed transactions and reversals only.
      CREATE INDEX transactions_reversed ON loyalty.transactions (id) WHERE reversed_points > 0;
      CREATE INDEX transactions_reverses ON loyalty.transactions (reverses) WHERE reverses IS NOT NULL;

      -- The last recorded verification: one row. snapshot is NULL until the first one.
      CREATE TABLE loyalty.ledger_verification (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        generation bigint NOT NULL DEFAULT 0,      -- bumped by every record (compare-and-set)
        snapshot pg_snapshot,                       -- everything visible in it was verified
        position xid8,                              -- pg_snapshot_xmin(snapshot)
        mode text CHECK (mode IN ('full', 'incremental')),
        verified_at timestamptz,
        full_verified_at timestamptz,
        violations jsonb NOT NULL DEFAULT '{}'      -- {check: count} as last established
      );
      INSERT INTO loyalty.ledger_verification (id) VALUES (true);
      -- Each account's sum of entries in that snapshot: the opening balance the next
      -- incremental verification adds new entries to. No foreign key: a verifier must never
      -- take a lock a ledger batch could wait on.
      CREATE TABLE loyalty.ledger_verified_balances (
        account_id text PRIMARY KEY,
        balance bigint NOT NULL
      );
      `,
    },
    {
      // Every earn batch sums its members' qualifying points of the last 12 months (tier), and
      // the tier job does it per member. Without this index that was a scan of every lot ever
      // written: the million-operation run fell from 330 to 70 operations/s as lots grew
      // (152,022 lots: 2.4 s per batch). With it, an index-only range per member.
      id: '0006_lots_qualifying_index',
      sql: `
      CREATE INDEX IF NOT EXISTS lots_member_qualifying
        ON loyalty.lots (member_id, earned_at) INCLUDE (points) WHERE qualifying;
      `,
    },
  ],
};
