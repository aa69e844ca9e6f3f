import { emailChangeRequested } from '@redemption/contracts';
import type { Db, Logger, Publisher } from '@redemption/kernel';
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
  /** Publishes email_change_requested; notifications mails the new address (mail-tokens.ts). */
  events: Publisher;
  /** 429 when this member asks too often (each request sends a mail to an address they chose). */
  throttle: (userId: string) => Promise<void>;
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
      const id = newId();
      await deps.db.tx(async (q) => {
        // The mailed token is minted when notifications sends it; nobody sees this one.
        const change = await tokensRepository.insertEmailChange(q, {
          id,
          userId: user.id,
          newEmail,
          tokenHash: hashToken(newOpaqueToken()),
          ttlS: emailChangeTtlS,
        });
        await deps.events.publish(q, emailChangeRequested, {
          subject: user.id,
          data: { request_id: id, member_id: user.id, expires_at: change.expires_at.toISOString() },
        });
      });
      deps.log.info({ user_id: user.id }, 'e-mail change requested');
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
