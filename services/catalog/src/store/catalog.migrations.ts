import type { SchemaMigrations } from '@redemption/kernel';

/**
 * Products, categories, reservations and the stock audit trail. Timestamps are millisecond
 * precision (timestamptz(3)) so a JS Date round-trips exactly through list cursors.
 */
export const catalogMigrations: SchemaMigrations = {
  schema: 'catalog',
  migrations: [
    {
      id: '0001_catalog',
      sql: `
      CREATE TABLE catalog.categories (
        id uuid PRIMARY KEY,
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );

      CREATE TABLE catalog.products (
        id uuid PRIMARY KEY,
        sku text NOT NULL CHECK (length(sku) BETWEEN 1 AND 64),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
        category_id uuid REFERENCES catalog.categories (id),
        price bigint NOT NULL CHECK (price >= 0),
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        points_price bigint CHECK (points_price IS NULL OR points_price > 0),
        -- On hand; the API's stock_quantity is the available count, on hand minus reserved.
        stock_quantity integer NOT NULL DEFAULT 0 CHECK (stock_quantity >= 0),
        stock_reserved integer NOT NULL DEFAULT 0 CHECK (stock_reserved >= 0),
        image_url text CHECK (length(image_url) <= 2048),
        attributes jsonb NOT NULL DEFAULT '{}'
          CHECK (jsonb_typeof(attributes) = 'object' AND octet_length(attributes::text) <= 8192),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        -- Soft delete: orders keep pointing at the product they sold.
        deleted_at timestamptz(3),
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', name), 'A') ||
          setweight(to_tsvector('english', description), 'B')
        ) STORED,
        CONSTRAINT reserved_within_on_hand CHECK (stock_reserved <= stock_quantity)
      );
      -- A SKU is unique among live products; a deleted product's SKU can be used again.
      CREATE UNIQUE INDEX products_sku_live ON catalog.products (sku) WHERE deleted_at IS NULL;
      CREATE INDEX products_category ON catalog.products (category_id) WHERE deleted_at IS NULL;
      CREATE INDEX products_search ON catalog.products USING gin (search);
      CREATE INDEX products_price ON catalog.products (price, id) WHERE deleted_at IS NULL;
      CREATE INDEX products_created ON catalog.products (created_at, id) WHERE deleted_at IS NULL;
      CREATE INDEX products_name ON catalog.products (name, id) WHERE deleted_at IS NULL;

      CREATE TABLE catalog.reservations (
        id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
        status text NOT NULL CHECK (status IN ('held', 'committed', 'released', 'expired', 'restocked')),
        expires_at timestamptz(3) NOT NULL,
        actor_id text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX reservations_held_expiry ON catalog.reservations (expires_at) WHERE status = 'held';

      -- Each line snapshots the product as reserved: the order keeps the price it was shown.
      CREATE TABLE catalog.reservation_lines (
        reservation_id text NOT NULL REFERENCES catalog.reservations (id),
        product_id uuid NOT NULL REFERENCES catalog.products (id),
        quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 1000),
        sku text NOT NULL,
        name text NOT NULL,
        unit_price bigint NOT NULL,
        currency text NOT NULL,
        points_price bigint,
        PRIMARY KEY (reservation_id, product_id)
      );

      CREATE TABLE catalog.stock_movements (
        id bigserial PRIMARY KEY,
        product_id uuid NOT NULL REFERENCES catalog.products (id),
        kind text NOT NULL CHECK (kind IN ('adjust', 'reserve', 'release', 'expire', 'commit', 'restock')),
        on_hand_before integer NOT NULL,
        on_hand_after integer NOT NULL,
        reserved_before integer NOT NULL,
        reserved_after integer NOT NULL,
        reason text,
        reservation_id text,
        actor_id text,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      );
      CREATE INDEX stock_movements_product ON catalog.stock_movements (product_id, id DESC);
      CREATE INDEX stock_movements_reservation ON catalog.stock_movements (reservation_id)
        WHERE reservation_id IS NOT NULL;
      `,
    },
  ],
};
