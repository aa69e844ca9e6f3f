/** Kafka topics (DESIGN.md). Each has `<topic>.dlq` beside it; see docs/decisions/003. */
export const topics = [
  'orders',
  'payments',
  'loyalty',
  'notifications',
  'analytics-results',
] as const;
export type Topic = (typeof topics)[number];

export const dlqTopic = (topic: string): string => `${topic}.dlq`;
export const retryTopic = (topic: string): string => `${topic}.retry`;
