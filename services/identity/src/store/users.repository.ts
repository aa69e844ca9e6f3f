import type { Queryable } from '@redemption/kernel';
import type { Role, User } from '../domain/user.ts';

const userColumns = 'id, username, email, full_name, phone, address, role, created_at, updated_at';

export interface NewUser {
  id: string;
  username: string;
  email: string;
  passwordHash: string;
  fullName: string | null;
  phone: string | null;
  address: string | null;
  role: Role;
}

export interface UserPatch {
  email?: string | undefined;
  full_name?: string | null | undefined;
  phone?: string | null | undefined;
  address?: string | null | undefined;
  passwordHash?: string | undefined;
}

/** SQL for identity.users. Every function takes the transaction (or pool) to run in. */
export const usersRepository = {
  async insert(q: Queryable, u: NewUser): Promise<User> {
    const { rows } = await q.query<User>(
      `INSERT INTO identity.users (id, username, email, password_hash, full_name, phone, address, role)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${userColumns}`,
      [u.id, u.username, u.email, u.passwordHash, u.fullName, u.phone, u.address, u.role],
    );
    return rows[0]!;
  },

  async findById(q: Queryable, id: string): Promise<User | undefined> {
    const { rows } = await q.query<User>(
      `SELECT ${userColumns} FROM identity.users WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return rows[0];
  },

  /** By username or e-mail, case-insensitively; deleted users are not found. */
  async findForLogin(
    q: Queryable,
    login: string,
  ): Promise<(User & { password_hash: string }) | undefined> {
    const { rows } = await q.query<User & { password_hash: string }>(
      `SELECT ${userColumns}, password_hash FROM identity.users
       WHERE (lower(username) = $1 OR lower(email) = $1) AND deleted_at IS NULL`,
      [login],
    );
    return rows[0];
  },

  /** Newest first (ids are UUIDv7); `text` matches part of a username or e-mail, any case. */
  async search(
    q: Queryable,
    opts: { text?: string | undefined; limit: number; before?: string | undefined },
  ): Promise<User[]> {
    const pattern = opts.text ? `%${opts.text.toLowerCase().replace(/[\\%_]/g, '\\$&')}%` : null;
    const { rows } = await q.query<User>(
      `SELECT ${userColumns} FROM identity.users
       WHERE deleted_at IS NULL AND ($1::text IS NULL OR lower(username) LIKE $1 OR lower(email) LIKE $1)
         AND ($2::uuid IS NULL OR id < $2::uuid)
       ORDER BY id DESC LIMIT $3`,
      [pattern, opts.before ?? null, opts.limit],
    );
    return rows;
  },

  async findByEmail(q: Queryable, email: string): Promise<User | undefined> {
    const { rows } = await q.query<User>(
      `SELECT ${userColumns} FROM identity.users WHERE lower(email) = $1 AND deleted_at IS NULL`,
      [email],
    );
    return rows[0];
  },

  async update(q: Queryable, id: string, patch: UserPatch): Promise<User | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    const add = (column: string, value: unknown): void => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (patch.email !== undefined) add('email', patch.email);
    if (patch.full_name !== undefined) add('full_name', patch.full_name);
    if (patch.phone !== undefined) add('phone', patch.phone);
    if (patch.address !== undefined) add('address', patch.address);
    if (patch.passwordHash !== undefined) add('password_hash', patch.passwordHash);
    const { rows } = await q.query<User>(
      `UPDATE identity.users SET ${[...sets, 'updated_at = now()'].join(', ')}
       WHERE id = $1 AND deleted_at IS NULL RETURNING ${userColumns}`,
      params,
    );
    return rows[0];
  },

  async softDelete(q: Queryable, id: string): Promise<boolean> {
    const res = await q.query(
      'UPDATE identity.users SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL',
      [id],
    );
    return res.rowCount === 1;
  },

  /** Which of `usernames` (lower case) are taken, by live or soft-deleted users alike. */
  async existingUsernames(q: Queryable, usernames: readonly string[]): Promise<Set<string>> {
    const { rows } = await q.query<{ name: string }>(
      'SELECT lower(username) AS name FROM identity.users WHERE lower(username) = ANY($1)',
      [usernames.map((u) => u.toLowerCase())],
    );
    return new Set(rows.map((r) => r.name));
  },

  async countByRole(q: Queryable, role: Role): Promise<number> {
    const { rows } = await q.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM identity.users WHERE role = $1 AND deleted_at IS NULL',
      [role],
    );
    return rows[0]?.n ?? 0;
  },
};
