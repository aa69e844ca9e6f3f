import type { Db } from '@redemption/kernel';
import { badRequest, newId, notFound, unprocessable } from '@redemption/kernel';
import type { DeliveryStatus } from '../domain/delivery.ts';
import {
  templateSpecs,
  type Category,
  type Channel,
  type Locale,
  type TemplateName,
} from '../domain/kinds.ts';
import { messageVars, type Payload } from '../domain/message-vars.ts';
import { isEnabled, isLocked, type Preference } from '../domain/preferences.ts';
import { readUnsubscribeToken } from '../domain/unsubscribe-token.ts';
import { deliveriesRepository, type Delivery } from '../store/deliveries.repository.ts';
import { mailboxRepository } from '../store/mailbox.repository.ts';
import { preferencesRepository } from '../store/preferences.repository.ts';
import { pushSubscriptionsRepository } from '../store/push-subscriptions.repository.ts';
import { enqueue } from './enqueue.ts';

/** What the routes render: the store's row types, re-exported so http/ stays off store/. */
export type { Delivery } from '../store/deliveries.repository.ts';
export type { MailboxMessage } from '../store/mailbox.repository.ts';

export interface SendRequest {
  template: TemplateName;
  memberId: string;
  data: Payload;
  channels?: readonly Channel[] | undefined;
}

/** Identity's mails carry a token only identity can mint: they come from its events only. */
const eventOnly = new Set<TemplateName>(['password_reset', 'email_change']);

/** Checks that the template can be filled from `data`; a missing value is a 400 naming it. */
function checkData(template: TemplateName, data: Payload): void {
  try {
    messageVars({
      template,
      payload: data,
      locale: 'en',
      name: 'x',
      baseUrl: 'https://x',
      minted: null,
    });
  } catch (err) {
    const field = /payload\.(\w+)/.exec((err as Error).message)?.[1];
    throw badRequest(
      `body.data.${field ?? '?'} is missing or not valid for ${template}`,
      `body.data.${field ?? ''}`,
    );
  }
}

export function createNotificationsService(db: Db) {
  return {
    /** Records the message under `cause` (caller and Idempotency-Key): a retry records nothing new. */
    async send(cause: string, r: SendRequest): Promise<Delivery[]> {
      if (eventOnly.has(r.template))
        throw unprocessable(
          'template-not-sendable',
          `${r.template} is sent from identity's events only`,
          {
            field: 'body.template',
          },
        );
      checkData(r.template, r.data);
      const ids = await db.tx((q) =>
        enqueue(
          q,
          cause,
          [{ template: r.template, memberId: r.memberId, payload: r.data }],
          r.channels,
        ),
      );
      if (ids.length === 0)
        throw unprocessable(
          'no-channel',
          'The member gets this message on none of these channels',
          {
            field: r.channels ? 'body.channels' : 'body.member_id',
          },
        );
      return Promise.all(ids.map(async (id) => (await deliveriesRepository.get(db, id))!));
    },

    get: (id: string) => deliveriesRepository.get(db, id),

    list: (f: { memberId?: string; status?: DeliveryStatus; before?: Date; limit: number }) =>
      deliveriesRepository.list(db, f),

    async preferences(memberId: string) {
      const chosen = await preferencesRepository.of(db, memberId);
      const locale = (await preferencesRepository.locale(db, memberId)) ?? 'en';
      return { locale, preferences: everyPreference(chosen) };
    },

    async setPreferences(
      memberId: string,
      locale: Locale | undefined,
      prefs: readonly Preference[],
    ) {
      const seen = new Set<string>();
      prefs.forEach((p, i) => {
        // One row per (category, channel): a repeat would make the upsert touch a row twice.
        const pair = `${p.category}\u0000${p.channel}`;
        if (seen.has(pair))
          throw badRequest(
            `body.preferences.${i} repeats ${p.category} ${p.channel}; give each pair once`,
            `body.preferences.${i}`,
          );
        seen.add(pair);
        if (isLocked(p.category, p.channel) && !p.enabled)
          throw unprocessable('preference-locked', `${p.category} ${p.channel} is always on`, {
            field: `body.preferences.${i}.enabled`,
          });
      });
      await db.tx(async (q) => {
        await preferencesRepository.set(q, memberId, prefs);
        if (locale) await preferencesRepository.setLocale(q, memberId, locale);
      });
    },

    /** Turns off what a signed unsubscribe link names; false for a link that is not ours. */
    async unsubscribe(key: string, token: string): Promise<boolean> {
      const claim = readUnsubscribeToken(key, token);
      if (!claim || isLocked(claim.category, claim.channel)) return false;
      await preferencesRepository.set(db, claim.memberId, [{ ...claim, enabled: false }]);
      return true;
    },

    async subscribePush(memberId: string, s: { endpoint: string; p256dh: string; auth: string }) {
      return pushSubscriptionsRepository.save(db, { id: newId(), memberId, ...s });
    },

    mailbox: (f: { recipient?: string; before?: Date; limit: number }) =>
      mailboxRepository.list(db, f),

    async mailboxMessage(id: string) {
      const m = await mailboxRepository.get(db, id);
      if (!m) throw notFound('message');
      return m;
    },
  };
}

/** Every category and channel with what applies now (chosen or default) and whether it is fixed. */
function everyPreference(chosen: readonly Preference[]) {
  const out: Array<Preference & { locked: boolean }> = [];
  for (const category of ['transactional', 'marketing'] as Category[])
    for (const channel of ['email', 'sms', 'push'] as Channel[])
      out.push({
        category,
        channel,
        enabled: isEnabled(chosen, category, channel),
        locked: isLocked(category, channel),
      });
  return out;
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;

export const categoryOf = (t: TemplateName): Category => templateSpecs[t].category;
