import type {
  Db,
  Logger,
  Principal,
  Publisher,
  Queryable,
  RateLimiter,
  TokenRevocations,
} from '@redemption/kernel';
import { passwordResetRequested } from '@redemption/contracts';
import {
  conflict,
  isPgError,
  isPrivileged,
  newId,
  notFound,
  pgErrorCode,
  ProblemError,
  sessionSubject,
  unauthorized,
  userSubject,
} from '@redemption/kernel';
import { normalizeLogin, passwordProblem, type Role, type User } from '../domain/user.ts';
import { tokensRepository } from '../store/tokens.repository.ts';
import { usersRepository, type UserPatch } from '../store/users.repository.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { hashToken, newOpaqueToken, type TokenIssuer } from './token-issuer.ts';
import { createIdentityThrottles, type ThrottleSettings } from './identity-throttles.ts';
import { createEmailChanges } from './email-change.ts';
import { registerUser, weakPassword, type Registration } from './register-user.ts';

export type { Registration } from './register-user.ts';

const passwordResetTtlS = 30 * 60;

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface IdentityServiceDeps {
  db: Db;
  tokens: TokenIssuer;
  /** Publishes member_registered in the registration's transaction (loyalty opens the account). */
  events: Publisher;
  rateLimiter: RateLimiter;
  /** Revocation markers every service checks, so a sign-out or deletion applies at once. */
  revocations: TokenRevocations;
  log: Logger;
  accessTtlS: number;
  refreshTtlS: number;
  throttles: ThrottleSettings;
}

export function createIdentityService(deps: IdentityServiceDeps) {
  const throttle = createIdentityThrottles(deps.rateLimiter, deps.throttles, deps.log);
  const emailChanges = createEmailChanges({
    db: deps.db,
    log: deps.log,
    events: deps.events,
    throttle: (userId) => throttle.emailChange(userId),
  });

  async function issuePair(
    q: Queryable,
    user: Pick<User, 'id' | 'role'>,
    familyId = newId(),
  ): Promise<TokenPair> {
    const refresh = newOpaqueToken();
    await tokensRepository.insertRefresh(q, {
      id: newId(),
      userId: user.id,
      familyId,
      tokenHash: hashToken(refresh),
      ttlS: deps.refreshTtlS,
    });
    const access = await deps.tokens.signAccess(user.id, user.role, familyId);
    return {
      access_token: access,
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: deps.accessTtlS,
    };
  }

  async function applyUpdate(id: string, patch: UserPatch): Promise<User> {
    try {
      const user = await usersRepository.update(deps.db, id, patch);
      if (!user) throw notFound('user');
      return user;
    } catch (err) {
      // Only an admin's direct change gets here with an e-mail: admins may see every account.
      if (isPgError(err, pgErrorCode.uniqueViolation))
        throw conflict('email-taken', 'That email is already registered', {
          field: 'body.email',
        });
      throw err;
    }
  }

  /** Refresh tokens in identity's schema; access tokens by a marker every service checks. */
  async function revokeEverything(q: Queryable, userId: string): Promise<void> {
    await tokensRepository.revokeAllForUser(q, userId);
    await deps.revocations.revoke(q, [userSubject(userId)]);
  }

  return {
    /** 429 when this client IP registers too often; called before a registration from outside. */
    admitRegistration: (ip: string): Promise<void> => throttle.register(ip),

    /** Creates a member; `role` other than member only from seeding. Runs in the caller's tx. */
    register: (q: Queryable, r: Registration, role: Role = 'member'): Promise<User> =>
      registerUser(q, deps.events, r, role),

    async login(login: string, password: string, ip: string): Promise<TokenPair & { user: User }> {
      const normalized = normalizeLogin(login);
      await throttle.login(ip, normalized);
      const found = await usersRepository.findForLogin(deps.db, normalized);
      if (!(await verifyPassword(found?.password_hash, password)) || !found) {
        throw unauthorized('Wrong username, e-mail or password');
      }
      const { password_hash: _hash, ...user } = found;
      const pair = await deps.db.tx((q) => issuePair(q, user));
      return { ...pair, user };
    },

    /** Rotates a refresh token. Presenting one already used means theft: the family is revoked. */
    async refresh(refreshToken: string): Promise<TokenPair> {
      const outcome = await deps.db.tx(async (q) => {
        const row = await tokensRepository.findRefreshForUpdate(q, hashToken(refreshToken));
        if (!row || row.revoked_at || row.expires_at.getTime() <= Date.now())
          return 'invalid' as const;
        if (row.used_at) {
          await tokensRepository.revokeFamily(q, row.family_id);
          await deps.revocations.revoke(q, [sessionSubject(row.family_id)]);
          return 'reused' as const;
        }
        const user = await usersRepository.findById(q, row.user_id);
        if (!user) return 'invalid' as const;
        await tokensRepository.markUsed(q, row.id);
        return issuePair(q, user, row.family_id);
      });
      if (outcome === 'reused') {
        deps.log.warn('refresh token reused: token family revoked');
        throw unauthorized('This refresh token was already used; sign in again');
      }
      if (outcome === 'invalid') throw unauthorized('The refresh token is invalid or expired');
      return outcome;
    },

    /** Ends one session: its refresh tokens and the access tokens issued in it. */
    async logout(refreshToken: string): Promise<void> {
      await deps.db.tx(async (q) => {
        const row = await tokensRepository.findRefreshForUpdate(q, hashToken(refreshToken));
        if (!row) return;
        await tokensRepository.revokeFamily(q, row.family_id);
        await deps.revocations.revoke(q, [sessionSubject(row.family_id)]);
      });
    },

    /** Ends every session of the user: all refresh tokens, and access tokens issued until now. */
    async logoutEverywhere(actor: Principal, id: string): Promise<void> {
      await deps.db.tx(async (q) => {
        if (!(await usersRepository.findById(q, id))) throw notFound('user');
        await revokeEverything(q, id);
      });
      deps.log.info({ user_id: id, actor_id: actor.id }, 'signed out everywhere');
    },

    /** Admin list: newest first, optionally matching part of a username or e-mail. */
    search: (opts: { text?: string | undefined; limit: number; before?: string | undefined }) =>
      usersRepository.search(deps.db, opts),

    async get(id: string): Promise<User> {
      const user = await usersRepository.findById(deps.db, id);
      if (!user) throw notFound('user');
      return user;
    },

    /**
     * A member's new e-mail waits for confirmation from the new inbox (see email-change.ts) and
     * the answer is the same whether or not it is taken; an admin's change applies at once.
     */
    async update(
      actor: Principal,
      id: string,
      patch: UserPatch,
    ): Promise<{ user: User; pendingEmail?: string }> {
      const { email, ...rest } = patch;
      if (email === undefined || isPrivileged(actor)) return { user: await applyUpdate(id, patch) };
      const current = await usersRepository.findById(deps.db, id);
      if (!current) throw notFound('user');
      const newEmail = email.trim();
      if (normalizeLogin(newEmail) === normalizeLogin(current.email))
        return { user: await applyUpdate(id, patch) }; // the same address, in other letters
      const user = Object.keys(rest).length > 0 ? await applyUpdate(id, rest) : current;
      await emailChanges.request(user, newEmail);
      return { user, pendingEmail: newEmail };
    },

    /** Applies a member's new e-mail from the token sent to it. */
    confirmEmailChange: (token: string): Promise<void> => emailChanges.confirm(token),

    /** Soft delete: the row stays (orders and ledger entries point at it), login stops working. */
    async remove(actor: Principal, id: string): Promise<void> {
      await deps.db.tx(async (q) => {
        if (!(await usersRepository.softDelete(q, id))) throw notFound('user');
        await revokeEverything(q, id);
      });
      deps.log.info({ user_id: id, actor_id: actor.id }, 'user deleted');
    },

    /** Always succeeds from the outside, so it cannot be used to find out who has an account. */
    async requestPasswordReset(email: string, ip: string): Promise<void> {
      const normalized = normalizeLogin(email);
      const { sendMail } = await throttle.passwordReset(ip, normalized);
      if (!sendMail) {
        deps.log.info('password reset mail suppressed: too many for this address this hour');
        return;
      }
      const user = await usersRepository.findByEmail(deps.db, normalized);
      if (!user) return;
      // The mail's token is minted when notifications sends it (mail-tokens.ts); until then
      // the request holds the hash of one nobody sees, and the event names only the request.
      const id = newId();
      await deps.db.tx(async (q) => {
        const reset = await tokensRepository.insertReset(q, {
          id,
          userId: user.id,
          tokenHash: hashToken(newOpaqueToken()),
          ttlS: passwordResetTtlS,
        });
        await deps.events.publish(q, passwordResetRequested, {
          subject: user.id,
          data: { request_id: id, member_id: user.id, expires_at: reset.expires_at.toISOString() },
        });
      });
      deps.log.info({ user_id: user.id }, 'password reset requested');
    },

    async confirmPasswordReset(token: string, newPassword: string): Promise<void> {
      await deps.db.tx(async (q) => {
        const userId = await tokensRepository.consumeReset(q, hashToken(token));
        const user = userId ? await usersRepository.findById(q, userId) : undefined;
        if (!user)
          throw new ProblemError(
            400,
            'reset-token-invalid',
            'Reset token not usable',
            'The reset token is invalid, used or expired',
          );
        const problem = passwordProblem(newPassword, user.username, user.email);
        if (problem) throw weakPassword(problem);
        await usersRepository.update(q, user.id, { passwordHash: await hashPassword(newPassword) });
        await revokeEverything(q, user.id);
      });
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
