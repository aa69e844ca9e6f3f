import type { EventDefinition } from '@redemption/contracts';
import { newId } from '../ids.ts';
import { traceparentNow } from '../tracing/tracing.ts';

/** CloudEvents 1.0 (JSON format) plus the W3C `traceparent` extension. */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject: string;
  datacontenttype: 'application/json';
  data: T;
  traceparent?: string;
}

export class EventValidationError extends Error {
  readonly problems: string[];
  constructor(type: string, problems: string[]) {
    super(`event ${type} is not valid: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

export interface NewEvent<T> {
  /** The aggregate the event is about (order id, member id); also the Kafka key. */
  subject: string;
  data: T;
  traceparent?: string | undefined;
}

const subjectLengthMax = 200;
const traceparentPattern = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Builds a CloudEvent and validates `data` against the definition; throws when invalid. */
export function createEvent<T>(
  def: EventDefinition,
  source: string,
  input: NewEvent<T>,
): CloudEvent<T> {
  const problems = [...def.problems(input.data)];
  if (input.subject.length === 0 || input.subject.length > subjectLengthMax)
    problems.push('subject must be 1-200 characters');
  if (input.traceparent !== undefined && !traceparentPattern.test(input.traceparent))
    problems.push('traceparent is malformed');
  if (problems.length > 0) throw new EventValidationError(def.type, problems);
  // The publisher's span (tracing on), so the consumers' spans join the publisher's trace.
  const traceparent = input.traceparent ?? traceparentNow();
  return {
    specversion: '1.0',
    id: newId(),
    source,
    type: def.type,
    time: new Date().toISOString(),
    subject: input.subject,
    datacontenttype: 'application/json',
    data: input.data,
    ...(traceparent ? { traceparent } : {}),
  };
}

/** Checks an incoming envelope's shape (consume side); returns problems, empty when valid. */
export function envelopeProblems(e: unknown): string[] {
  if (typeof e !== 'object' || e === null) return ['event is not an object'];
  const r = e as Record<string, unknown>;
  const problems: string[] = [];
  if (r['specversion'] !== '1.0') problems.push('specversion must be 1.0');
  for (const f of ['id', 'source', 'type', 'time', 'subject']) {
    if (typeof r[f] !== 'string' || (r[f] as string).length === 0) problems.push(`${f} is missing`);
  }
  return problems;
}
