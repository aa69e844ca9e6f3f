import type { Queryable } from '@redemption/kernel';

export const accountsRepository = {
  /** A member's points account, opened once (a second call changes nothing). */
  async openMember(q: Queryable, memberId: string): Promise<void> {
    await q.query(
      "INSERT INTO loyalty.accounts (id, kind) VALUES ($1, 'member') ON CONFLICT (id) DO NOTHING",
      [memberId],
    );
  },
};
