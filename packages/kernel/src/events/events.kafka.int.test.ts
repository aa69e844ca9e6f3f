import { describe } from 'vitest';
import { createTempDatabase, kafkaGate, postgresGate } from '../testing/index.ts';
import { eventContractSuite } from './testing/event-contract.ts';

const pgGate = postgresGate();
const kafka = kafkaGate();

// The same contract as the pg transport, with the outbox relayed into a real Kafka broker.
describe.skipIf(!pgGate.url || !kafka.url)('with EVENT_TRANSPORT=kafka', () => {
  eventContractSuite('kafka transport, local broker, PostgreSQL outbox', {
    async make() {
      const temp = await createTempDatabase(pgGate.url!);
      const env = {
        transport: 'kafka' as const,
        databaseUrl: temp.url,
        kafkaBrokers: kafka.url!.split(','),
      };
      return { env, drop: () => temp.drop() };
    },
  });
});
