import { PermanentSendError, type ChannelProvider } from './channel.ts';

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** A sending number (E.164) or a messaging service SID (`MG…`). */
  from: string;
  apiBase: string;
  timeoutMs: number;
}

interface TwilioError {
  code?: number;
  message?: string;
}

/**
 * SMS through Twilio's Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`, form
 * body, basic auth) or a provider that speaks it. Twilio documents no idempotency key for
 * creating a message; `Idempotency-Key` (the delivery id) is sent for providers that honour it
 * and ignored by Twilio. A 400 is Twilio refusing this message (21211 invalid number, 21610
 * the member replied STOP): final. 401/403, 429 and 5xx may pass later (a fixed key, less load).
 */
export function twilioSmsChannel(o: TwilioOptions): ChannelProvider {
  const endpoint = new URL(
    `/2010-04-01/Accounts/${encodeURIComponent(o.accountSid)}/Messages.json`,
    o.apiBase,
  );
  const auth = `Basic ${Buffer.from(`${o.accountSid}:${o.authToken}`).toString('base64')}`;
  const sender = o.from.startsWith('MG') ? 'MessagingServiceSid' : 'From';
  return {
    channel: 'sms',
    provider: 'twilio',
    async send(m) {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: auth,
          'content-type': 'application/x-www-form-urlencoded',
          'idempotency-key': m.deliveryId,
        },
        body: new URLSearchParams({ To: m.to, [sender]: o.from, Body: m.text }),
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      const body = (await res.json().catch(() => ({}))) as TwilioError & { sid?: string };
      if (res.status === 201 || res.status === 200)
        return { provider: 'twilio', providerMessageId: body.sid ?? null };
      const detail = `Twilio ${res.status} ${body.code ?? ''}: ${body.message ?? res.statusText}`;
      if (res.status === 400) throw new PermanentSendError(detail);
      throw new Error(detail);
    },
  };
}
