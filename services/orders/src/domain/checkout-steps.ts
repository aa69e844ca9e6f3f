/**
 * The checkout saga's shape, pure: which steps an order needs, in which order they run, and
 * in which order they are undone. The runner (app/checkout.saga.ts) does the calls.
 */
import { checkoutSteps, type CheckoutStep } from '@redemption/contracts';

// Steps and states are shown in the public order resource (@redemption/contracts).
export {
  checkoutSteps,
  sagaStates,
  type CheckoutStep,
  type SagaState,
} from '@redemption/contracts';

export interface StepNeeds {
  pointsUsed: number;
  cashAmount: number;
}

/** Points steps only when points are used; the card step only when there is cash to pay. */
export function stepApplies(step: CheckoutStep, o: StepNeeds): boolean {
  if (step === 'hold' || step === 'capture') return o.pointsUsed > 0;
  if (step === 'charge') return o.cashAmount > 0;
  return true;
}

export const firstStep = (o: StepNeeds): CheckoutStep => nextStep(null, o)!;

/** The step after `step` (the first when null), or null when the saga is done. */
export function nextStep(step: CheckoutStep | null, o: StepNeeds): CheckoutStep | null {
  const from = step === null ? 0 : checkoutSteps.indexOf(step) + 1;
  return checkoutSteps.slice(from).find((s) => stepApplies(s, o)) ?? null;
}

/** The applicable step before `step`, or null when nothing earlier needs undoing. */
export function previousStep(step: CheckoutStep, o: StepNeeds): CheckoutStep | null {
  const before = checkoutSteps.slice(0, checkoutSteps.indexOf(step));
  return before.reverse().find((s) => stepApplies(s, o)) ?? null;
}

/**
 * The deterministic idempotency key of a step's call (or its compensation): a retry, a resumed
 * saga or another process running the same order sends the same key, so nothing applies twice.
 */
export const stepKey = (orderId: string, step: CheckoutStep, undo = false): string =>
  `order:${orderId}:${step}${undo ? ':undo' : ''}`;

/** Exponential backoff between attempts of a step whose outcome was unknown, capped. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
