import { queryOptions } from '@tanstack/react-query';
import { api, must } from '../api/client.ts';
import { ApiError } from '../api/problem.ts';
import type { paths } from '../api/schema.gen.ts';

export type Account =
  paths['/api/loyalty/accounts/{memberId}']['get']['responses'][200]['content']['application/json'];

/** A member who never earned has no ledger account yet: that is a zero balance, not an error. */
const emptyAccount = (memberId: string): Account =>
  ({
    member_id: memberId,
    balance: 0,
    held: 0,
    available: 0,
    tier: 'member',
    expiring: [],
    pending: 0,
    pending_earnings: [],
    qualifying_points: 0,
    next_tier: null,
  }) satisfies Account;

export const accountQuery = (memberId: string) =>
  queryOptions({
    queryKey: ['account', memberId],
    queryFn: async () => {
      try {
        return await must(
          api.GET('/api/loyalty/accounts/{memberId}', { params: { path: { memberId } } }),
        );
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return emptyAccount(memberId);
        throw err;
      }
    },
  });
