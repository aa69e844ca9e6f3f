import type { Db, Logger } from '@redemption/kernel';
import { conflict, isPgError, newId, pgErrorCode, ProblemError } from '@redemption/kernel';
import type { User } from '../domain/user.ts';
import { tokensRepository } from '../store/tokens.repository.ts';
import { usersRepository } from '../store/users.repository.ts';
import { hashToken, newOpaqueToken } from './token-issuer.ts';

/** How long the link sent to a new address stays usable. */
const emailChangeTtlS = 60 * 60;

export interface EmailChangeDeps {
  db: Db;
  log: Logger;
  /** 429 when this member asks too often (each request sends a mail to an address they chose). */
  throttle: (userId: string) => Promise<void>;
  /** Sends the token to the new address (e-mail, once notifications exist). Never log it. */
  deliver?: ((user: User, newEmail: string, token: string) => Promise<void>) | undefined;
}

const tokenInvalid = () =>
  new ProblemError(
    400,
    'email-change-token-invalid',
    'E-mail change token not usable',
    'The e-mail change token is invalid, used or expired',
  );

/**
 * A member's new e-mail applies only once confirmed from the new inbox. Asking answers the same
 * whether or not the address already has an account, so the profile form cannot be used to find
 * out who is registered; only whoever reads that inbox learns it, when confirming.
 */
export function createEmailChanges(deps: EmailChangeDeps) {
  return {
    async request(user: User, newEmail: string): Promise<void> {
      await deps.throttle(user.id);
      const token = newOpaqueToken();
      await tokensRepository.insertEmailChange(deps.db, {
        id: newId(),
        userId: user.id,
        newEmail,
        tokenHash: hashToken(token),
        ttlS: emailChangeTtlS,
      });
      deps.log.info({ user_id: user.id }, 'e-mail change requested');
      await deps.deliver?.(user, newEmail, token);
    },

    /** Single use; every other pending change of the member is dropped with it. */
    async confirm(token: string): Promise<void> {
      try {
        await deps.db.tx(async (q) => {
          const change = await tokensRepository.consumeEmailChange(q, hashToken(token));
          if (!change) throw tokenInvalid();
          const user = await usersRepository.update(q, change.user_id, {
            email: change.new_email,
          });
          if (!user) throw tokenInvalid();
          await tokensRepository.dropEmailChanges(q, change.user_id);
        });
      } catch (err) {
        // Said only to whoever holds the token, i.e. reads that inbox: it is their own address.
        if (isPgError(err, pgErrorCode.uniqueViolation))
          throw conflict('email-taken', 'That e-mail is already registered', {
            field: 'body.token',
          });
        throw err;
      }
    },
  };
}

export type EmailChanges = ReturnType<typeof createEmailChanges>;
