import { memberRegistered } from '@redemption/contracts';
import type { Publisher, Queryable } from '@redemption/kernel';
import { conflict, isPgError, newId, pgErrorCode, ProblemError } from '@redemption/kernel';
import { passwordProblem, type Role, type User } from '../domain/user.ts';
import { usersRepository } from '../store/users.repository.ts';
import { hashPassword } from './passwords.ts';

export interface Registration {
  username: string;
  email: string;
  password: string;
  full_name?: string | undefined;
  phone?: string | undefined;
  address?: string | undefined;
}

/** A password the policy refuses, as a 400 naming `body.password` (the CLI shows the detail). */
export const weakPassword = (detail: string): ProblemError =>
  new ProblemError(400, 'validation-failed', 'Request is not valid', `body.password ${detail}`, {
    errors: [{ field: 'body.password', message: detail }],
  });

/**
 * Creates an account in the caller's transaction and publishes member_registered with it (loyalty
 * opens the points account). The one way accounts are made: sign-up, seeding, `admin create`.
 */
export async function registerUser(
  q: Queryable,
  events: Publisher,
  r: Registration,
  role: Role = 'member',
): Promise<User> {
  const problem = passwordProblem(r.password, r.username, r.email);
  if (problem) throw weakPassword(problem);
  try {
    const user = await usersRepository.insert(q, {
      id: newId(),
      username: r.username.trim(),
      email: r.email.trim(),
      passwordHash: await hashPassword(r.password),
      fullName: r.full_name ?? null,
      phone: r.phone ?? null,
      address: r.address ?? null,
      role,
    });
    await events.publish(q, memberRegistered, {
      subject: user.id,
      data: { member_id: user.id, role },
    });
    return user;
  } catch (err) {
    if (isPgError(err, pgErrorCode.uniqueViolation)) {
      const field = err.constraint === 'users_email_key' ? 'email' : 'username';
      throw conflict(`${field}-taken`, `That ${field} is already registered`, {
        field: `body.${field}`,
      });
    }
    throw err;
  }
}
