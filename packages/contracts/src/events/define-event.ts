import type { Static, TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * An integration event's contract: its CloudEvents `type`, the topic it travels on, and the
 * schema of its `data`. Publishers and consumers validate against the same definition.
 */
export interface EventDefinition<S extends TSchema = TSchema> {
  type: string;
  topic: string;
  schema: S;
  /** Returns the problems with `data`, empty when valid. */
  problems(data: unknown): string[];
}

export type EventData<D> = D extends EventDefinition<infer S> ? Static<S> : never;

const problemsMax = 5;
const eventTypePattern = /^[a-z][a-z0-9_.-]{2,127}$/;

export function defineEvent<S extends TSchema>(
  type: string,
  topic: string,
  schema: S,
): EventDefinition<S> {
  if (!eventTypePattern.test(type)) throw new Error(`bad event type ${JSON.stringify(type)}`);
  const validator = Compile(schema);
  return {
    type,
    topic,
    schema,
    problems(data) {
      if (validator.Check(data)) return [];
      return [...validator.Errors(data)]
        .slice(0, problemsMax)
        .map((e) => `data${e.instancePath.replace(/\//g, '.')} ${e.message}`);
    },
  };
}
