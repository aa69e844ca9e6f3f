import type { TokenDelivery } from '@redemption/contracts';
import type { Db } from '@redemption/kernel';
import { tokensRepository } from '../store/tokens.repository.ts';
import { usersRepository } from '../store/users.repository.ts';
import { hashToken, newOpaqueToken } from './token-issuer.ts';

/**
 * The tokens identity's mails carry are minted when the mail is sent, not when it is asked for
 * (docs/decisions/019-notifications-delivery.md): the request stores the hash of a token nobody
 * ever sees, the event says only which request it was, and the sender (notifications, with a
 * service token) calls here for a fresh token and the address to send it to. Each call replaces
 * the request's previous token, so only the newest mailed link works; a request used, expired
 * or unknown gives null (nothing to send any more).
 */
export function createMailTokens(db: Db) {
  return {
    async resetDelivery(requestId: string): Promise<TokenDelivery | null> {
      const token = newOpaqueToken();
      return db.tx(async (q) => {
        const reset = await tokensRepository.replaceResetToken(q, requestId, hashToken(token));
        const user = reset && (await usersRepository.findById(q, reset.user_id));
        if (!reset || !user) return null;
        return delivery(user.id, user.email, token, reset.expires_at);
      });
    },

    async emailChangeDelivery(requestId: string): Promise<TokenDelivery | null> {
      const token = newOpaqueToken();
      return db.tx(async (q) => {
        const change = await tokensRepository.replaceEmailChangeToken(
          q,
          requestId,
          hashToken(token),
        );
        const user = change && (await usersRepository.findById(q, change.user_id));
        if (!change || !user) return null;
        return delivery(user.id, change.new_email, token, change.expires_at);
      });
    },
  };
}

const delivery = (memberId: string, email: string, token: string, expiresAt: Date) => ({
  member_id: memberId,
  email,
  token,
  expires_at: new Date(expiresAt).toISOString(),
});

export type MailTokens = ReturnType<typeof createMailTokens>;
