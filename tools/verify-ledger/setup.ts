import { login, registerMembers, type User } from './auth.ts';
import { call, sleep } from './http.ts';
import type { Rng } from './prng.ts';
import type { Runner } from './runner.ts';
import type { Model, OpSpec } from './workload.ts';

const accountWaitMs = 60_000;
const accountPollMs = 100;
const dropCount = 3;
const dropPricePoints = [100, 250] as const;
const dropPerMemberLimit = [1, 2] as const;
const dropOpenForMs = 24 * 3_600_000;
/** Initial balance of every member, so early spends have something to spend. */
const initialEarnPoints = 2_000;
const demoMembers = ['alice', 'bob', 'carol'];
const demoPassword = 'redemption-demo-2026';

export interface Users {
  admin: User;
  members: User[];
}

/** The seeded admin, the seeded demo members and `count` newly registered members, logged in. */
export async function setUpUsers(
  identityUrl: string,
  adminPassword: string,
  count: number,
): Promise<Users> {
  const admin = await login(identityUrl, 'admin', adminPassword);
  const demo = await Promise.all(demoMembers.map((u) => login(identityUrl, u, demoPassword)));
  const members = await registerMembers(identityUrl, count);
  return { admin, members: [...demo, ...members] };
}

/** Waits until loyalty has opened an account for every member (from member_registered). */
export async function waitForAccounts(url: string, admin: User, members: User[]): Promise<void> {
  const deadline = Date.now() + accountWaitMs;
  for (const m of members) {
    for (;;) {
      const r = await call(url, 'GET', `/api/loyalty/accounts/${m.id}`, { token: admin.token });
      if (r.status === 200) break;
      if (r.status !== 404 || Date.now() > deadline)
        throw new Error(`account of ${m.username} never opened: ${r.status} ${r.error ?? ''}`);
      await sleep(accountPollMs);
    }
  }
}

export interface DropInfo {
  id: string;
  quantity: number;
  perMemberLimit: number;
}

/** A few small drops, open now, so members compete for little stock. */
export async function createDrops(
  url: string,
  admin: User,
  rng: Rng,
  members: number,
): Promise<DropInfo[]> {
  const drops: DropInfo[] = [];
  for (let i = 0; i < dropCount; i++) {
    const quantity = rng.int(Math.max(2, Math.floor(members / 10)), Math.max(3, members));
    const perMemberLimit = rng.pick(dropPerMemberLimit);
    const r = await call(url, 'POST', '/api/loyalty/drops', {
      token: admin.token,
      body: {
        name: `verify drop ${i}`,
        points_price: rng.pick(dropPricePoints),
        quantity,
        per_member_limit: perMemberLimit,
        opens_at: new Date(Date.now() - 60_000).toISOString(),
        closes_at: new Date(Date.now() + dropOpenForMs).toISOString(),
      },
    });
    if (r.status !== 201) throw new Error(`create drop: ${r.status} ${JSON.stringify(r.body)}`);
    drops.push({ id: String(r.body!['id']), quantity, perMemberLimit });
  }
  return drops;
}

/** Earns every member an initial balance, through the runner so the earns are recorded too. */
export async function earnInitial(runner: Runner, model: Model, keyPrefix: string): Promise<void> {
  await Promise.all(
    model.members.map((m, i) => {
      const spec: OpSpec = {
        kind: 'earn',
        key: `${keyPrefix}-setup-${i}`,
        actor: model.admin,
        path: '/api/loyalty/earn',
        body: { member_id: m.id, points: initialEarnPoints, reason: 'verify initial balance' },
        memberId: m.id,
      };
      return runner.submit(spec, true);
    }),
  );
}
