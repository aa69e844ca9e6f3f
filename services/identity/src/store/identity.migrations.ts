import type { SchemaMigrations } from '@redemption/kernel';

export const identityMigrations: SchemaMigrations = {
  schema: 'identity',
  migrations: [
    {
      id: '0001_users',
      sql: `
      CREATE TABLE identity.users (
        id uuid PRIMARY KEY,
        username varchar(80) NOT NULL,
        email varchar(120) NOT NULL,
        password_hash varchar(255) NOT NULL,
        full_name varchar(120),
        phone varchar(20),
        address varchar(500),
        role text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'admin')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      );
      -- Unique regardless of case, and kept after a soft delete so a name cannot be taken over.
      CREATE UNIQUE INDEX users_username_key ON identity.users (lower(username));
      CREATE UNIQUE INDEX users_email_key ON identity.users (lower(email));

      CREATE TABLE identity.refresh_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES identity.users (id),
        family_id uuid NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX refresh_tokens_family ON identity.refresh_tokens (family_id);
      CREATE INDEX refresh_tokens_user ON identity.refresh_tokens (user_id);

      CREATE TABLE identity.password_resets (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES identity.users (id),
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );

      CREATE TABLE identity.signing_keys (
        kid text PRIMARY KEY,
        private_jwk jsonb NOT NULL,
        public_jwk jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
    },
    {
      // A member's new e-mail waits here until confirmed from the new inbox (no enumeration).
      id: '0002_email_changes',
      sql: `
      CREATE TABLE identity.email_changes (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES identity.users (id),
        new_email varchar(120) NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      );
      CREATE INDEX email_changes_user ON identity.email_changes (user_id);`,
    },
  ],
};
