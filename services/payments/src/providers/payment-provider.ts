import type { Card, DeclineCode, ProviderName } from '../domain/payment.ts';

export interface ChargeInput {
  /** Integer minor units. */
  amount: number;
  /** ISO 4217, upper case. */
  currency: string;
  /** A provider token (`tok_…`, `pm_…`); never a card number. */
  token: string;
  /** Same key, same charge: a retry after a timeout never creates a second one. */
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface ChargeResult {
  transactionId: string;
  card: Card | null;
}

export interface ConfirmInput {
  transactionId: string;
  /** Same key, same outcome: a second confirm (a retry, a takeover) never charges twice. */
  idempotencyKey: string;
}

export interface RefundInput {
  transactionId: string;
  amount: number;
  idempotencyKey: string;
}

/**
 * What the provider says became of a prepared charge (Stripe: the PaymentIntent's status). It
 * is how an unknown outcome (a timeout, a process killed mid-call) is settled, never a timer.
 * - `requires_confirmation`: prepared, not confirmed: nothing charged, but it still could be;
 * - `processing`: a confirmation is under way: ask again later;
 * - `succeeded`: the money was taken;
 * - `failed`: declined (`declineCode`) or failed at the provider (null): nothing charged;
 * - `canceled`: cancelled before any money moved (or unknown to the provider): never charged.
 */
export type ChargeState =
  | { status: 'requires_confirmation' }
  | { status: 'processing' }
  | { status: 'succeeded'; charge: ChargeResult }
  | { status: 'failed'; declineCode: DeclineCode | null }
  | { status: 'canceled' };

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

/**
 * The provider failed or could not be reached. Before a charge was confirmed nothing was
 * charged; during a confirmation the outcome is unknown until `retrieve` says.
 */
export class ProviderUnavailable extends Error {}

/** The provider does not know the token: the caller sent a bad one (422, nothing recorded). */
export class InvalidPaymentToken extends Error {}

/**
 * A charge in two steps, so that its id is known (and stored) before any money can move:
 * `prepare` creates it, `confirm` takes the money, `retrieve` tells what happened to it, and
 * `cancel` makes sure an unconfirmed one never will be.
 */
export interface PaymentProvider {
  readonly name: ProviderName;
  /** Creates the charge without taking money. Throws InvalidPaymentToken, ProviderUnavailable. */
  prepare(input: ChargeInput): Promise<{ transactionId: string }>;
  /** Takes the money. Throws PaymentDeclined or ProviderUnavailable (outcome unknown). */
  confirm(input: ConfirmInput): Promise<ChargeResult>;
  /** Throws ProviderUnavailable. */
  retrieve(transactionId: string): Promise<ChargeState>;
  /** Cancels the charge if it is not confirmed; returns its state after. Throws ProviderUnavailable. */
  cancel(transactionId: string, idempotencyKey: string): Promise<ChargeState>;
  /** Throws ProviderUnavailable. */
  refund(input: RefundInput): Promise<{ refundId: string }>;
}
