import { randomBytes } from 'node:crypto';
import type { Db, SeedOptions } from '@redemption/kernel';
import { usersRepository } from '../store/users.repository.ts';
import type { IdentityService } from './identity.service.ts';

export const demoMembers = [
  { username: 'alice', email: 'alice@example.com', full_name: 'Alice Martin' },
  { username: 'bob', email: 'bob@example.com', full_name: 'Bob Chen' },
  { username: 'carol', email: 'carol@example.com', full_name: 'Carol Diaz' },
] as const;
export const demoMemberPassword = 'redemption-demo-2026';

/**
 * First start (no admin yet): the admin, whose password comes from ADMIN_PASSWORD or is
 * generated and printed this once (never logged). Demo members, whose password is published,
 * only when `demo` (see `demoDataWanted`: never by default against a real DATABASE_URL); each
 * is added once, so a later `DEMO_DATA=1 redemption seed` adds them to a database that has an
 * admin already.
 */
export async function seedIdentity(
  db: Db,
  svc: IdentityService,
  admin: { email: string; password: string | undefined },
  opts: SeedOptions,
): Promise<string[]> {
  const lines: string[] = [];
  if ((await usersRepository.countByRole(db, 'admin')) === 0) {
    const password = admin.password ?? randomBytes(12).toString('base64url');
    await db.tx((q) =>
      svc.register(
        q,
        { username: 'admin', email: admin.email, password, full_name: 'Program administrator' },
        'admin',
      ),
    );
    lines.push(
      `admin: ${admin.email} / ${admin.password ? '(ADMIN_PASSWORD)' : `${password}  <- generated, shown once`}`,
    );
  }
  if (opts.demo) lines.push(...(await seedDemoMembers(db, svc)));
  return lines;
}

async function seedDemoMembers(db: Db, svc: IdentityService): Promise<string[]> {
  const taken = await usersRepository.existingUsernames(
    db,
    demoMembers.map((m) => m.username),
  );
  const missing = demoMembers.filter((m) => !taken.has(m.username));
  if (missing.length === 0) return [];
  await db.tx(async (q) => {
    for (const m of missing) await svc.register(q, { ...m, password: demoMemberPassword });
  });
  return [`members: ${missing.map((m) => m.username).join(', ')} / ${demoMemberPassword}`];
}
