/**
 * Kafka topics: DESIGN.md's five plus `identity` (member registrations, which loyalty needs to
 * open accounts). Each has `<topic>.retry` and `<topic>.dlq` beside it; see docs/decisions/003.
 */
export const topics = [
  'identity',
  'catalog',
  'orders',
  'payments',
  'loyalty',
  'notifications',
  'analytics-results',
] as const;
export type Topic = (typeof topics)[number];

export const dlqTopic = (topic: string): string => `${topic}.dlq`;
export const retryTopic = (topic: string): string => `${topic}.retry`;
