// A fake at Stripe's HTTP boundary: Stripe cannot be reached from here, so a local node:http
// server answers the calls the `stripe` library makes for us (PaymentMethods, PaymentIntents
// create / confirm / retrieve / cancel, Refunds) the way Stripe's API reference documents:
// success objects, 402 card_error with decline_code, 500 api_error, 400 invalid_request_error.
// It keeps state, so a charge confirmed while its caller died (kill -9) is still there,
// succeeded, when a restarted process asks.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  auth: string | undefined;
  idempotencyKey: string | undefined;
  form: URLSearchParams;
}

export interface FakeIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  currency: string;
  status: string;
  payment_method: string | null;
  metadata: Record<string, string>;
  last_payment_error: Record<string, unknown> | null;
  latest_charge: Record<string, unknown> | null;
  /** Not Stripe's: the sum of refunds made against this intent. */
  amount_refunded: number;
}

export interface FakeStripe {
  url: string;
  seen: SeenRequest[];
  intents: Map<string, FakeIntent>;
  /** How long a confirmation takes (the intent is `processing` meanwhile). */
  confirmDelayMs: number;
  /** Confirmations started and not finished yet. */
  confirming(): number;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
}

const invalidRequest = (message: string, extra: Record<string, unknown> = {}): Answer => ({
  status: 400,
  body: { error: { type: 'invalid_request_error', message, ...extra } },
});
const cardError = (code: string, declineCode: string) => ({
  type: 'card_error',
  code,
  decline_code: declineCode,
  message: 'Your card was declined.',
  param: '',
});
const declines: Record<string, string> = {
  pm_from_tok_chargeDeclined: 'generic_decline',
  pm_from_tok_chargeDeclinedInsufficientFunds: 'insufficient_funds',
};
const processingError = 'pm_from_tok_chargeDeclinedProcessingError';
/** Statuses Stripe lets an intent be canceled from. */
const cancelable = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action']);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeStripe(opts: { confirmDelayMs?: number } = {}): Promise<FakeStripe> {
  const seen: SeenRequest[] = [];
  const intents = new Map<string, FakeIntent>();
  const replays = new Map<string, Promise<Answer>>();
  let ids = 0;
  let inFlight = 0;
  const fake = { confirmDelayMs: opts.confirmDelayMs ?? 0 };

  /** The outcome is decided on a timer of its own: a caller that hangs up changes nothing. */
  async function confirm(intent: FakeIntent): Promise<Answer> {
    if (intent.status !== 'requires_confirmation')
      return invalidRequest(`This PaymentIntent's status is ${intent.status}`, {
        code: 'payment_intent_unexpected_state',
      });
    intent.status = 'processing';
    inFlight++;
    await new Promise((r) => setTimeout(r, fake.confirmDelayMs));
    inFlight--;
    const pm = intent.payment_method ?? '';
    if (declines[pm]) {
      const error = cardError('card_declined', declines[pm]);
      Object.assign(intent, { status: 'requires_payment_method', last_payment_error: error });
      return { status: 402, body: { error: { ...error, payment_intent: intent } } };
    }
    if (pm === processingError) {
      intent.status = 'requires_payment_method';
      return { status: 500, body: { error: { type: 'api_error', message: 'An unknown error' } } };
    }
    intent.status = 'succeeded';
    intent.latest_charge = {
      id: `ch_${intent.id.slice(3)}`,
      object: 'charge',
      payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
    };
    return { status: 200, body: intent };
  }

  function create(form: URLSearchParams): Promise<Answer> | Answer {
    const metadata: Record<string, string> = {};
    for (const [k, v] of form) {
      const m = /^metadata\[(.+)\]$/.exec(k);
      if (m) metadata[m[1]!] = v;
    }
    const intent: FakeIntent = {
      id: `pi_fake_${++ids}`,
      object: 'payment_intent',
      amount: Number(form.get('amount')),
      currency: form.get('currency') ?? '',
      status: form.get('payment_method') ? 'requires_confirmation' : 'requires_payment_method',
      payment_method: form.get('payment_method'),
      metadata,
      last_payment_error: null,
      latest_charge: null,
      amount_refunded: 0,
    };
    intents.set(intent.id, intent);
    return form.get('confirm') === 'true' ? confirm(intent) : { status: 200, body: intent };
  }

  function refund(form: URLSearchParams): Answer {
    const intent = intents.get(form.get('payment_intent') ?? '');
    if (!intent || intent.status !== 'succeeded')
      return invalidRequest('This PaymentIntent has no successful charge to refund');
    const amount = Number(form.get('amount') ?? intent.amount - intent.amount_refunded);
    if (amount > intent.amount - intent.amount_refunded)
      return invalidRequest('Refund amount is greater than unrefunded amount on charge', {
        code: 'amount_too_large',
      });
    intent.amount_refunded += amount;
    return {
      status: 200,
      body: {
        id: `re_${intent.id.slice(3)}_${intent.amount_refunded}`,
        object: 'refund',
        amount,
        status: 'succeeded',
      },
    };
  }

  async function route(method: string, path: string, form: URLSearchParams): Promise<Answer> {
    if (method === 'POST' && path === '/v1/payment_methods') {
      const token = form.get('card[token]');
      if (token === 'tok_missing')
        return invalidRequest("No such token: 'tok_missing'", {
          code: 'resource_missing',
          param: 'card[token]',
        });
      return {
        status: 200,
        body: { id: `pm_from_${token}`, object: 'payment_method', type: 'card' },
      };
    }
    if (method === 'POST' && path === '/v1/payment_intents') return create(form);
    if (method === 'POST' && path === '/v1/refunds') return refund(form);
    const m = /^\/v1\/payment_intents\/([^/]+)(?:\/(confirm|cancel))?$/.exec(path);
    const intent = m ? intents.get(m[1]!) : undefined;
    if (m && !intent)
      return {
        status: 404,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'resource_missing',
            message: 'No such payment_intent',
          },
        },
      };
    if (intent && method === 'GET' && !m![2]) return { status: 200, body: intent };
    if (intent && method === 'POST' && m![2] === 'confirm') return confirm(intent);
    if (intent && method === 'POST' && m![2] === 'cancel') {
      if (!cancelable.has(intent.status))
        return invalidRequest(
          `You cannot cancel this PaymentIntent because it has a status of ${intent.status}`,
          {
            code: 'payment_intent_unexpected_state',
          },
        );
      intent.status = 'canceled';
      return { status: 200, body: intent };
    }
    return {
      status: 404,
      body: { error: { type: 'invalid_request_error', message: 'Unrecognized request URL' } },
    };
  }

  const server: Server = createServer(async (req, res) => {
    const form = new URLSearchParams(await readBody(req));
    const path = (req.url ?? '').split('?')[0]!;
    const key = req.headers['idempotency-key'] as string | undefined;
    seen.push({
      method: req.method ?? '',
      path,
      auth: req.headers.authorization,
      idempotencyKey: key,
      form,
    });
    // Same key, same answer (Stripe keeps a key's result for 24 h), even while the first runs.
    const replayKey = key ? `${req.method} ${path} ${key}` : undefined;
    let answer = replayKey ? replays.get(replayKey) : undefined;
    if (!answer) {
      answer = route(req.method ?? '', path, form);
      if (replayKey) replays.set(replayKey, answer);
    }
    const { status, body } = await answer;
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', 'stripe-should-retry': 'false' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    seen,
    intents,
    confirming: () => inFlight,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}
