import type { IdentityClient, MemberContact } from '@redemption/contracts';
import type { Db } from '@redemption/kernel';
import type { OutgoingMessage } from '../channels/channel.ts';
import { isLocale, localeDefault, type Locale } from '../domain/kinds.ts';
import { messageVars, type MintedToken } from '../domain/message-vars.ts';
import { renderMessage, type RenderedMessage } from '../domain/render.ts';
import { unsubscribeToken } from '../domain/unsubscribe-token.ts';
import type { Delivery } from '../store/deliveries.repository.ts';
import { preferencesRepository } from '../store/preferences.repository.ts';
import { pushSubscriptionsRepository } from '../store/push-subscriptions.repository.ts';
import { mailHtml } from './mail-html.ts';

/** Browsers of one member a push goes to at most. */
export const pushSubscriptionsPerMemberMax = 5;

export interface ComposeDeps {
  db: Db;
  identity: IdentityClient;
  /** The web app's public base URL (PUBLIC_URL), without a trailing slash. */
  baseUrl: string;
  unsubscribeKey: string;
}

export type Composed =
  { skip: string } | { messages: OutgoingMessage[]; address: string; subject: string };

interface Recipient {
  contact: MemberContact;
  email: string;
  minted: MintedToken | null;
}

/**
 * Where the message goes and what it says, decided just before sending: the address is
 * identity's current one, and a reset or e-mail change link gets its token now (it is never
 * stored here; a retry gets a new one). Throws when identity cannot be asked (retried).
 */
export async function compose(deps: ComposeDeps, d: Delivery): Promise<Composed> {
  const recipient = await findRecipient(deps.identity, d);
  if ('skip' in recipient) return recipient;
  const locale = await memberLocale(deps.db, d.memberId);
  const vars = messageVars({
    template: d.template,
    payload: d.payload,
    locale,
    name: recipient.contact.full_name || recipient.contact.username,
    baseUrl: deps.baseUrl,
    minted: recipient.minted,
  });
  const unsubscribe =
    d.category === 'marketing'
      ? `${deps.baseUrl}/api/notifications/unsubscribe?token=${unsubscribeToken(
          deps.unsubscribeKey,
          {
            memberId: d.memberId,
            category: d.category,
            channel: d.channel,
          },
        )}`
      : null;
  const m = renderMessage(d.template, locale, vars, unsubscribe);
  if (d.channel === 'email') return email(d, recipient.email, m);
  if (d.channel === 'sms') return sms(d, recipient.contact.phone, m);
  return push(deps.db, d, m);
}

async function findRecipient(
  identity: IdentityClient,
  d: Delivery,
): Promise<Recipient | { skip: string }> {
  if (d.template === 'password_reset' || d.template === 'email_change') {
    const requestId = String(d.payload['request_id']);
    const t =
      d.template === 'password_reset'
        ? await identity.resetDelivery(requestId)
        : await identity.emailChangeDelivery(requestId);
    if (!t) return { skip: 'the request is used or expired' };
    const contact = await identity.contact(t.member_id);
    if (!contact) return { skip: 'the member is gone' };
    return { contact, email: t.email, minted: { token: t.token, expiresAt: t.expires_at } };
  }
  const contact = await identity.contact(d.memberId);
  if (!contact) return { skip: 'the member is gone' };
  return { contact, email: contact.email, minted: null };
}

async function memberLocale(db: Db, memberId: string): Promise<Locale> {
  const chosen = await preferencesRepository.locale(db, memberId);
  return chosen && isLocale(chosen) ? chosen : localeDefault;
}

async function email(d: Delivery, to: string, m: RenderedMessage): Promise<Composed> {
  // RFC 2369 + RFC 8058: one-click unsubscribe for what one can unsubscribe from.
  const headers: Record<string, string> = m.unsubscribe
    ? {
        'List-Unsubscribe': `<${m.unsubscribe.url}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      }
    : {};
  const message = {
    deliveryId: d.id,
    channel: d.channel,
    to,
    subject: m.subject,
    text: m.text,
    html: await mailHtml(m),
    headers,
  };
  return { messages: [message], address: to, subject: m.subject };
}

function sms(d: Delivery, phone: string | null, m: RenderedMessage): Composed {
  if (!phone) return { skip: 'the member has no phone number' };
  if (!m.sms) return { skip: `${d.template} is not sent by SMS` };
  const message = {
    deliveryId: d.id,
    channel: d.channel,
    to: phone,
    subject: m.subject,
    text: m.sms,
    html: null,
    headers: {},
  };
  return { messages: [message], address: phone, subject: m.subject };
}

async function push(db: Db, d: Delivery, m: RenderedMessage): Promise<Composed> {
  const subs = await pushSubscriptionsRepository.ofMember(
    db,
    d.memberId,
    pushSubscriptionsPerMemberMax,
  );
  if (subs.length === 0) return { skip: 'the member has no push subscription' };
  if (!m.push.title) return { skip: `${d.template} is not sent by push` };
  const messages = subs.map((s) => ({
    deliveryId: d.id,
    channel: d.channel,
    to: s.endpoint,
    subject: m.push.title,
    text: m.push.body,
    html: null,
    headers: {},
    push: { p256dh: s.p256dh, auth: s.auth, ...m.push },
  }));
  return { messages, address: `${subs.length} browser(s)`, subject: m.push.title };
}
