import type { Subscription } from './consumer-runtime.ts';

export interface ConsumerHandle {
  /** Finishes the event in hand, commits what finished, leaves the group. */
  stop(): Promise<void>;
}

export interface ConsumerMetrics {
  lag(group: string, topic: string, partition: number, lag: number): void;
}

/**
 * How events leave the outbox and reach consumers. Publishing is the same for every transport
 * (an outbox row in the caller's transaction); transports differ only in delivery.
 */
export interface EventTransport {
  readonly name: 'pg' | 'kafka';
  /** Background work such as the Kafka relay and topic creation; once per process. */
  start(): Promise<void>;
  /** Joins `sub.group` and delivers its topics' events to `sub.handler`. */
  consume(sub: Subscription): Promise<ConsumerHandle>;
  /** For /health/ready. */
  ping(): Promise<void>;
  /** Stops background work (after consumers are stopped). */
  stop(): Promise<void>;
}
