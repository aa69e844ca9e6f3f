import type { Card, DeclineCode, ProviderName } from '../domain/payment.ts';

export interface ChargeInput {
  /** Integer minor units. */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** A provider token (`tok_…`, `pm_…`); never a card number. */
  token: string;
  /** Same key, same charge: a retry after a timeout never charges twice. */
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface ChargeResult {
  transactionId: string;
  card: Card | null;
}

export interface RefundInput {
  transactionId: string;
  amount: number;
  idempotencyKey: string;
}

/** A card network or provider said no: 402, recorded as a declined attempt. */
export class PaymentDeclined extends Error {
  readonly declineCode: DeclineCode;
  /** The provider's own code when it is finer than ours (e.g. Stripe's `generic_decline`). */
  readonly providerCode: string | null;
  constructor(declineCode: DeclineCode, providerCode: string | null = null) {
    super(`payment declined: ${declineCode}`);
    this.declineCode = declineCode;
    this.providerCode = providerCode;
  }
}

/** The provider failed or could not be reached; nothing was charged, a retry is safe. */
export class ProviderUnavailable extends Error {}

/** The provider does not know the token: the caller sent a bad one (422, nothing recorded). */
export class InvalidPaymentToken extends Error {}

export interface PaymentProvider {
  readonly name: ProviderName;
  /** Throws PaymentDeclined, ProviderUnavailable or InvalidPaymentToken. */
  charge(input: ChargeInput): Promise<ChargeResult>;
  /** Throws ProviderUnavailable. */
  refund(input: RefundInput): Promise<{ refundId: string }>;
}
