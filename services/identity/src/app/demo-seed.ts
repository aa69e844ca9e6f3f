import { randomBytes } from 'node:crypto';
import type { Db } from '@redemption/kernel';
import { usersRepository } from '../store/users.repository.ts';
import type { IdentityService } from './identity.service.ts';

export const demoMembers = [
  { username: 'alice', email: 'alice@example.com', full_name: 'Alice Martin' },
  { username: 'bob', email: 'bob@example.com', full_name: 'Bob Chen' },
  { username: 'carol', email: 'carol@example.com', full_name: 'Carol Diaz' },
] as const;
export const demoMemberPassword = 'redemption-demo-2026';

/**
 * First start only (no admin yet): an admin and a few members. The admin password comes from
 * ADMIN_PASSWORD, or is generated and printed this once; it is never logged.
 */
export async function seedIdentity(
  db: Db,
  svc: IdentityService,
  admin: { email: string; password: string | undefined },
): Promise<string[]> {
  if ((await usersRepository.countByRole(db, 'admin')) > 0) return [];
  const password = admin.password ?? randomBytes(12).toString('base64url');
  await db.tx(async (q) => {
    await svc.register(
      q,
      { username: 'admin', email: admin.email, password, full_name: 'Program administrator' },
      'admin',
    );
    for (const m of demoMembers) await svc.register(q, { ...m, password: demoMemberPassword });
  });
  return [
    `admin: ${admin.email} / ${admin.password ? '(ADMIN_PASSWORD)' : `${password}  <- generated, shown once`}`,
    `members: ${demoMembers.map((m) => m.username).join(', ')} / ${demoMemberPassword}`,
  ];
}
