// A fake at Stripe's HTTP boundary: Stripe cannot be reached from here, so a local node:http
// server answers POST /v1/payment_methods, /v1/payment_intents and /v1/refunds the way Stripe's
// API reference documents (success objects; 402 card_error with decline_code; 500 api_error).
// The real `stripe` library talks to it; the test asserts what the library sent.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidPaymentToken, PaymentDeclined, ProviderUnavailable } from './payment-provider.ts';
import { createStripeProvider } from './stripe.provider.ts';

const secretKey = 'sk_test_fake_123';

interface Seen {
  path: string;
  auth: string | undefined;
  idempotencyKey: string | undefined;
  form: URLSearchParams;
}

const cardError = (code: string, declineCode: string) => ({
  error: {
    type: 'card_error',
    code,
    decline_code: declineCode,
    message: 'Your card was declined.',
    param: '',
  },
});

function answer(path: string, form: URLSearchParams): { status: number; body: unknown } {
  if (path === '/v1/payment_methods') {
    const token = form.get('card[token]');
    if (token === 'tok_missing')
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'resource_missing',
            param: 'card[token]',
            message: "No such token: 'tok_missing'",
          },
        },
      };
    return {
      status: 200,
      body: { id: `pm_from_${token}`, object: 'payment_method', type: 'card' },
    };
  }
  if (path === '/v1/payment_intents') {
    const pm = form.get('payment_method');
    if (pm === 'pm_from_tok_chargeDeclined')
      return { status: 402, body: cardError('card_declined', 'generic_decline') };
    if (pm === 'pm_from_tok_chargeDeclinedInsufficientFunds')
      return { status: 402, body: cardError('card_declined', 'insufficient_funds') };
    if (pm === 'pm_from_tok_chargeDeclinedProcessingError')
      return {
        status: 500,
        body: { error: { type: 'api_error', message: 'An unknown error occurred' } },
      };
    return {
      status: 200,
      body: {
        id: 'pi_3Test',
        object: 'payment_intent',
        amount: Number(form.get('amount')),
        currency: form.get('currency'),
        status: 'succeeded',
        latest_charge: {
          id: 'ch_3Test',
          object: 'charge',
          payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
        },
      },
    };
  }
  if (path === '/v1/refunds')
    return {
      status: 200,
      body: {
        id: 're_3Test',
        object: 'refund',
        amount: Number(form.get('amount')),
        status: 'succeeded',
      },
    };
  return {
    status: 404,
    body: { error: { type: 'invalid_request_error', message: 'Unrecognized request URL' } },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('Stripe provider against a fake Stripe API', () => {
  let server: Server;
  let seen: Seen[] = [];
  let provider: ReturnType<typeof createStripeProvider>;

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const form = new URLSearchParams(await readBody(req));
      const path = (req.url ?? '').split('?')[0]!;
      seen.push({
        path,
        auth: req.headers.authorization,
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        form,
      });
      const { status, body } = answer(path, form);
      res.writeHead(status, { 'content-type': 'application/json', 'stripe-should-retry': 'false' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    provider = createStripeProvider({ secretKey, apiBase: `http://127.0.0.1:${port}` });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    seen = [];
  });

  const charge = (token: string, idempotencyKey = 'key-1') =>
    provider.charge({
      amount: 4999,
      currency: 'USD',
      token,
      idempotencyKey,
      metadata: { order_id: 'o-1' },
    });

  it('creates a PaymentMethod from the token and a confirmed card-only PaymentIntent', async () => {
    const res = await charge('tok_visa');
    expect(res).toEqual({ transactionId: 'pi_3Test', card: { brand: 'visa', last4: '4242' } });
    expect(seen.map((s) => s.path)).toEqual(['/v1/payment_methods', '/v1/payment_intents']);
    for (const s of seen) expect(s.auth).toBe(`Bearer ${secretKey}`);
    expect(seen[0]!.idempotencyKey).toBe('key-1:pm');
    expect(seen[0]!.form.get('card[token]')).toBe('tok_visa');
    const intent = seen[1]!;
    expect(intent.idempotencyKey).toBe('key-1');
    expect(intent.form.get('amount')).toBe('4999');
    expect(intent.form.get('currency')).toBe('usd');
    expect(intent.form.get('confirm')).toBe('true');
    expect(intent.form.get('payment_method')).toBe('pm_from_tok_visa');
    expect(intent.form.get('allowed_payment_method_types[0]')).toBe('card');
    expect(intent.form.get('metadata[order_id]')).toBe('o-1');
  });

  it('uses a pm_ token as the payment method directly', async () => {
    await charge('pm_card_visa');
    expect(seen.map((s) => s.path)).toEqual(['/v1/payment_intents']);
    expect(seen[0]!.form.get('payment_method')).toBe('pm_card_visa');
  });

  it('maps card_error decline codes to declines', async () => {
    await expect(charge('tok_chargeDeclined')).rejects.toMatchObject({
      declineCode: 'card_declined',
      providerCode: 'generic_decline',
    });
    await expect(charge('tok_chargeDeclinedInsufficientFunds')).rejects.toBeInstanceOf(
      PaymentDeclined,
    );
    await expect(charge('tok_chargeDeclinedInsufficientFunds')).rejects.toMatchObject({
      declineCode: 'insufficient_funds',
    });
  });

  it('maps a 500 to a provider error, retrying only with the same Idempotency-Key', async () => {
    await expect(charge('tok_chargeDeclinedProcessingError', 'key-500')).rejects.toBeInstanceOf(
      ProviderUnavailable,
    );
    const intents = seen.filter((s) => s.path === '/v1/payment_intents');
    expect(intents.length).toBeGreaterThanOrEqual(1);
    for (const s of intents) expect(s.idempotencyKey).toBe('key-500');
  });

  it('maps an unknown token to InvalidPaymentToken', async () => {
    await expect(charge('tok_missing')).rejects.toBeInstanceOf(InvalidPaymentToken);
  });

  it('maps a connection failure to a provider error', async () => {
    const dead = createStripeProvider({ secretKey, apiBase: 'http://127.0.0.1:1' });
    await expect(
      dead.charge({
        amount: 1,
        currency: 'USD',
        token: 'pm_card_visa',
        idempotencyKey: 'k',
        metadata: {},
      }),
    ).rejects.toBeInstanceOf(ProviderUnavailable);
  });

  it('refunds through POST /v1/refunds with the key and the secret', async () => {
    const res = await provider.refund({
      transactionId: 'pi_3Test',
      amount: 700,
      idempotencyKey: 'rk-1',
    });
    expect(res).toEqual({ refundId: 're_3Test' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      path: '/v1/refunds',
      auth: `Bearer ${secretKey}`,
      idempotencyKey: 'rk-1',
    });
    expect(seen[0]!.form.get('payment_intent')).toBe('pi_3Test');
    expect(seen[0]!.form.get('amount')).toBe('700');
  });
});
