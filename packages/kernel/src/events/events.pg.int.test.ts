import { describe } from 'vitest';
import { createTempDatabase, postgresGate } from '../testing/index.ts';
import { eventContractSuite } from './testing/event-contract.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)('on a real PostgreSQL', () => {
  eventContractSuite('pg transport on PostgreSQL', {
    async make() {
      const temp = await createTempDatabase(gate.url!);
      return { env: { transport: 'pg', databaseUrl: temp.url }, drop: () => temp.drop() };
    },
  });
});
