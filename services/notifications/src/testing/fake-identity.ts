import { randomBytes } from 'node:crypto';
import type { MemberContact, TokenDelivery } from '@redemption/contracts';
import { newId, notFound, ProblemError, type ServiceModule } from '@redemption/kernel';

/**
 * Identity as notifications sees it (contacts and the mail-token deliveries), for tests of
 * notifications alone: services never import another service, so the real one is only used in
 * apps/platform's tests. Answers as identity's routes do (404 unknown member, 410 closed request).
 */
export interface FakeIdentity {
  module: ServiceModule;
  addMember(c?: Partial<MemberContact>): MemberContact;
  /** A pending reset of `memberId`; its deliveries mint tokens (kept in `minted`). */
  addResetRequest(memberId: string): string;
  /** Closes a request (used or expired): its deliveries answer 410. */
  closeRequest(id: string): void;
  minted: string[];
}

export function fakeIdentity(): FakeIdentity {
  const members = new Map<string, MemberContact>();
  const requests = new Map<string, { memberId: string; open: boolean }>();
  const minted: string[] = [];
  const module: ServiceModule = {
    name: 'identity',
    migrations: { schema: 'fake_identity', migrations: [] },
    async init() {
      return {
        async routes(app) {
          app.get<{ Params: { id: string } }>('/api/users/:id', async (req) => {
            const m = members.get(req.params.id);
            if (!m) throw notFound('user');
            return m;
          });
          app.post<{ Params: { id: string } }>(
            '/api/users/password-reset/:id/delivery',
            async (req) => {
              const r = requests.get(req.params.id);
              if (!r?.open) throw new ProblemError(410, 'request-closed', 'Gone', 'closed');
              const token = randomBytes(16).toString('base64url');
              minted.push(token);
              const delivery: TokenDelivery = {
                member_id: r.memberId,
                email: members.get(r.memberId)!.email,
                token,
                expires_at: new Date(Date.now() + 1_800_000).toISOString(),
              };
              return delivery;
            },
          );
        },
      };
    },
  };
  return {
    module,
    minted,
    addMember(c = {}) {
      const id = c.id ?? newId();
      const m: MemberContact = {
        id,
        username: c.username ?? `m${id.slice(-8)}`,
        email: c.email ?? `m${id.slice(-8)}@example.com`,
        full_name: c.full_name ?? null,
        phone: c.phone ?? null,
        role: c.role ?? 'member',
      };
      members.set(id, m);
      return m;
    },
    addResetRequest(memberId) {
      const id = newId();
      requests.set(id, { memberId, open: true });
      return id;
    },
    closeRequest(id) {
      requests.set(id, { ...requests.get(id)!, open: false });
    },
  };
}
