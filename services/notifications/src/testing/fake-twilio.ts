import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message the fake accepted, as Twilio's Messages resource would describe it. */
export interface TwilioMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  idempotencyKey: string | null;
}

export interface FakeTwilio {
  /** The base URL (TWILIO_API_BASE). */
  url: string;
  accountSid: string;
  authToken: string;
  messages: TwilioMessage[];
  /** Answer the next `times` requests with this status (429, 500, 503) instead of sending. */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

/** Numbers the fake refuses as Twilio does (error 21211: "The 'To' number is not a valid phone number"). */
export const invalidTwilioNumber = '+15005550001';

const readBody = async (req: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * A local HTTP server that answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` as
 * Twilio's documented API does: basic auth (401, error 20003, when wrong), form-encoded To,
 * From or MessagingServiceSid and Body (400, error 21604/21211, when missing or invalid), 201
 * with the message resource (`sid` SM + 32 hex, `status: queued`) when accepted, and Twilio's
 * error body (`code`, `message`, `more_info`, `status`) otherwise. Not Twilio: the tests of
 * the SMS channel run against it (README, Notifications).
 */
export async function startFakeTwilio(): Promise<FakeTwilio> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const messages: TwilioMessage[] = [];
  let failing: { status: number; times: number } | null = null;
  const error = (status: number, code: number, message: string) => ({
    status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  });
  const answer = async (req: IncomingMessage) => {
    const path = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
    if (req.method !== 'POST' || req.url !== path)
      return error(404, 20404, 'The requested resource was not found');
    const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    if (req.headers.authorization !== expected)
      return error(401, 20003, 'Authentication Error - invalid username');
    if (failing && failing.times > 0) {
      failing.times--;
      return error(failing.status, failing.status === 429 ? 20429 : 20500, 'Too Many Requests');
    }
    const form = new URLSearchParams(await readBody(req));
    const to = form.get('To');
    const body = form.get('Body');
    if (!to || !body) return error(400, 21604, "A 'To' phone number and a 'Body' are required.");
    if (to === invalidTwilioNumber)
      return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    const m: TwilioMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      accountSid,
      to,
      from: form.get('From'),
      messagingServiceSid: form.get('MessagingServiceSid'),
      body,
      idempotencyKey: (req.headers['idempotency-key'] as string | undefined) ?? null,
    };
    messages.push(m);
    const now = new Date().toUTCString();
    return {
      status: 201,
      body: {
        sid: m.sid,
        account_sid: accountSid,
        to: m.to,
        from: m.from,
        messaging_service_sid: m.messagingServiceSid,
        body: m.body,
        status: 'queued',
        num_segments: '1',
        direction: 'outbound-api',
        api_version: '2010-04-01',
        date_created: now,
        date_updated: now,
        date_sent: null,
        error_code: null,
        error_message: null,
        price: null,
        price_unit: 'USD',
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}.json`,
      },
    };
  };
  const server = createServer((req, res) => {
    void answer(req).then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages,
    failNext(status, times = 1) {
      failing = { status, times };
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
