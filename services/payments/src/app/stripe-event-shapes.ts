import { Type, type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The parts of Stripe's webhook payloads this service reads, checked before anything is used:
 * a signature proves who sent an event, not that it has the shape we expect (an API version
 * change, a test event from the dashboard). Extra fields are Stripe's business and allowed.
 */

/** webhook_events.id and .type are varchar(255) / varchar(100). */
const eventIdLengthMax = 255;
const eventTypeLengthMax = 100;
const stripeIdLengthMax = 255;
/** Stripe amounts are integers in minor units; ours fit a PostgreSQL bigint comfortably. */
const stripeAmountMax = Number.MAX_SAFE_INTEGER;

const StripeId = Type.String({ minLength: 1, maxLength: stripeIdLengthMax });

export const EventEnvelope = Type.Object({
  id: Type.String({ minLength: 1, maxLength: eventIdLengthMax }),
  type: Type.String({ minLength: 1, maxLength: eventTypeLengthMax }),
  data: Type.Object({ object: Type.Unknown() }),
});
export type EventEnvelope = Static<typeof EventEnvelope>;

export const IntentObject = Type.Object({
  id: StripeId,
  amount: Type.Integer({ minimum: 1, maximum: stripeAmountMax }),
  currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
});
export type IntentObject = Static<typeof IntentObject>;

export const ChargeObject = Type.Object({
  id: StripeId,
  payment_intent: Type.Union([StripeId, Type.Null()]),
  amount_refunded: Type.Integer({ minimum: 0, maximum: stripeAmountMax }),
  refunds: Type.Optional(
    Type.Union([
      Type.Object({ data: Type.Optional(Type.Array(Type.Object({ id: StripeId }))) }),
      Type.Null(),
    ]),
  ),
});
export type ChargeObject = Static<typeof ChargeObject>;

const problemsMax = 3;

export interface ShapeProblem {
  /** Dotted path inside the checked value (`data.object`), naming the missing property too. */
  field: string;
  message: string;
}

/** A checker for `schema`: the first problems found, empty when the value fits. */
function checker(schema: TSchema) {
  const compiled = Compile(schema);
  return (value: unknown): ShapeProblem[] => {
    if (compiled.Check(value)) return [];
    return [...compiled.Errors(value)].slice(0, problemsMax).map((e) => {
      const missing = (e.params as { requiredProperties?: string[] }).requiredProperties?.[0];
      const path = [...e.instancePath.split('/').filter(Boolean), ...(missing ? [missing] : [])];
      return { field: path.join('.'), message: e.message };
    });
  };
}

export const envelopeProblems = checker(EventEnvelope);
export const intentProblems = checker(IntentObject);
export const chargeProblems = checker(ChargeObject);
