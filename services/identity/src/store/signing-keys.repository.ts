import type { Db } from '@redemption/kernel';
import type { JWK } from 'jose';

export interface SigningKeyRow {
  kid: string;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: Date;
}

const signingKeyLockKey = 0x4944_4b59; // "IDKY": one pod creates the first key, others wait and read it

export const signingKeysRepository = {
  /** Returns all keys, newest first, creating one with `create` when there is none. */
  async loadOrCreate(
    db: Db,
    create: () => Promise<{ kid: string; privateJwk: JWK; publicJwk: JWK }>,
  ): Promise<SigningKeyRow[]> {
    return db.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1)', [signingKeyLockKey]);
      const existing = await q.query<SigningKeyRow>(
        'SELECT kid, private_jwk, public_jwk, created_at FROM identity.signing_keys ORDER BY created_at DESC',
      );
      if (existing.rows.length > 0) return existing.rows;
      const k = await create();
      const { rows } = await q.query<SigningKeyRow>(
        `INSERT INTO identity.signing_keys (kid, private_jwk, public_jwk) VALUES ($1, $2, $3)
         RETURNING kid, private_jwk, public_jwk, created_at`,
        [k.kid, JSON.stringify(k.privateJwk), JSON.stringify(k.publicJwk)],
      );
      return rows;
    });
  },
};
