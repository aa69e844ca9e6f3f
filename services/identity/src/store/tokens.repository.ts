import type { Queryable } from '@redemption/kernel';

export interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

/** Refresh tokens and password-reset tokens; only SHA-256 hashes of tokens are stored. */
export const tokensRepository = {
  async insertRefresh(
    q: Queryable,
    t: { id: string; userId: string; familyId: string; tokenHash: string; ttlS: number },
  ): Promise<void> {
    await q.query(
      `INSERT INTO identity.refresh_tokens (id, user_id, family_id, token_hash, expires_at)
       VALUES ($1, $2, $3, $4, now() + $5 * interval '1 second')`,
      [t.id, t.userId, t.familyId, t.tokenHash, t.ttlS],
    );
  },

  /** Locks the row so two concurrent refreshes with one token cannot both rotate it. */
  async findRefreshForUpdate(
    q: Queryable,
    tokenHash: string,
  ): Promise<RefreshTokenRow | undefined> {
    const { rows } = await q.query<RefreshTokenRow>(
      `SELECT id, user_id, family_id, expires_at, used_at, revoked_at
       FROM identity.refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      [tokenHash],
    );
    return rows[0];
  },

  async markUsed(q: Queryable, id: string): Promise<void> {
    await q.query('UPDATE identity.refresh_tokens SET used_at = now() WHERE id = $1', [id]);
  },

  async revokeFamily(q: Queryable, familyId: string): Promise<void> {
    await q.query(
      'UPDATE identity.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
      [familyId],
    );
  },

  async revokeAllForUser(q: Queryable, userId: string): Promise<void> {
    await q.query(
      'UPDATE identity.refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
  },

  async insertReset(
    q: Queryable,
    r: { id: string; userId: string; tokenHash: string; ttlS: number },
  ): Promise<{ expires_at: Date }> {
    const { rows } = await q.query<{ expires_at: Date }>(
      `INSERT INTO identity.password_resets (id, user_id, token_hash, expires_at)
       VALUES ($1, $2, $3, now() + $4 * interval '1 second') RETURNING expires_at`,
      [r.id, r.userId, r.tokenHash, r.ttlS],
    );
    return { expires_at: new Date(rows[0]!.expires_at) };
  },

  async insertEmailChange(
    q: Queryable,
    c: { id: string; userId: string; newEmail: string; tokenHash: string; ttlS: number },
  ): Promise<{ expires_at: Date }> {
    const { rows } = await q.query<{ expires_at: Date }>(
      `INSERT INTO identity.email_changes (id, user_id, new_email, token_hash, expires_at)
       VALUES ($1, $2, $3, $4, now() + $5 * interval '1 second') RETURNING expires_at`,
      [c.id, c.userId, c.newEmail, c.tokenHash, c.ttlS],
    );
    return { expires_at: new Date(rows[0]!.expires_at) };
  },

  /** Single use: marks the token used and returns the change, or undefined if unusable. */
  async consumeEmailChange(
    q: Queryable,
    tokenHash: string,
  ): Promise<{ user_id: string; new_email: string } | undefined> {
    const { rows } = await q.query<{ user_id: string; new_email: string }>(
      `UPDATE identity.email_changes SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
       RETURNING user_id, new_email`,
      [tokenHash],
    );
    return rows[0];
  },

  /** Ends the member's other pending changes: only the confirmed address counts. */
  async dropEmailChanges(q: Queryable, userId: string): Promise<void> {
    await q.query(
      'UPDATE identity.email_changes SET used_at = now() WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
  },

  /**
   * Gives a pending reset a new token (the previous one stops working) and returns its member
   * and expiry; undefined when the request is used, expired or unknown.
   */
  async replaceResetToken(
    q: Queryable,
    id: string,
    tokenHash: string,
  ): Promise<{ user_id: string; expires_at: Date } | undefined> {
    const { rows } = await q.query<{ user_id: string; expires_at: Date }>(
      `UPDATE identity.password_resets SET token_hash = $2
       WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id, expires_at`,
      [id, tokenHash],
    );
    return rows[0];
  },

  /** The same for a pending e-mail change; returns the new address too. */
  async replaceEmailChangeToken(
    q: Queryable,
    id: string,
    tokenHash: string,
  ): Promise<{ user_id: string; new_email: string; expires_at: Date } | undefined> {
    const { rows } = await q.query<{ user_id: string; new_email: string; expires_at: Date }>(
      `UPDATE identity.email_changes SET token_hash = $2
       WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id, new_email, expires_at`,
      [id, tokenHash],
    );
    return rows[0];
  },

  /** Single use: marks the token used and returns its user, or undefined if unusable. */
  async consumeReset(q: Queryable, tokenHash: string): Promise<string | undefined> {
    const { rows } = await q.query<{ user_id: string }>(
      `UPDATE identity.password_resets SET used_at = now()
       WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
      [tokenHash],
    );
    return rows[0]?.user_id;
  },
};
