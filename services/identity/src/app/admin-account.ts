import type { Db, Publisher } from '@redemption/kernel';
import { conflict } from '@redemption/kernel';
import { normalizeLogin, type User } from '../domain/user.ts';
import { usersRepository } from '../store/users.repository.ts';
import { registerUser } from './register-user.ts';

export interface NewAdmin {
  email: string;
  username: string;
  password: string;
}

/** `created`: a new admin; `exists`: an admin with that e-mail was there already (nothing changed). */
export type AdminOutcome = { outcome: 'created' | 'exists'; user: User };

/**
 * `redemption admin create`: an admin account, idempotently by e-mail. The password policy is
 * the members' (weak → 400 naming the password); a member's e-mail is refused (409), never
 * promoted, since whoever runs the command may not be that member.
 */
export async function createAdmin(db: Db, events: Publisher, a: NewAdmin): Promise<AdminOutcome> {
  return db.tx(async (q) => {
    const existing = await usersRepository.findByEmail(q, normalizeLogin(a.email));
    if (existing?.role === 'admin') return { outcome: 'exists', user: existing };
    if (existing)
      throw conflict(
        'email-taken',
        `${a.email} belongs to a member; an admin needs an address of its own`,
        { field: 'email' },
      );
    const user = await registerUser(
      q,
      events,
      { username: a.username, email: a.email, password: a.password, full_name: 'Administrator' },
      'admin',
    );
    return { outcome: 'created', user };
  });
}
