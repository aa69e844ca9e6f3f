import { describe } from 'vitest';
import { createTempDatabase, postgresGate } from '@redemption/kernel/testing';
import { identityApiSuite } from './users.api-suite.ts';
import { startIdentity } from '../testing/identity-harness.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)('on a real PostgreSQL', () => {
  identityApiSuite('distributed mode, PostgreSQL', async () => {
    const temp = await createTempDatabase(gate.url!);
    const h = await startIdentity({ databaseUrl: temp.url });
    return {
      ...h,
      close: async () => {
        await h.close();
        await temp.drop();
      },
    };
  });
});
