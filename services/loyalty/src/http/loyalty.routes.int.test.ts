import { describe } from 'vitest';
import { createTempDatabase, postgresGate } from '@redemption/kernel/testing';
import { loyaltyApiSuite } from './loyalty.api-suite.ts';
import { startLoyalty } from '../testing/loyalty-harness.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)('on a real PostgreSQL', () => {
  loyaltyApiSuite('distributed mode, PostgreSQL', async () => {
    const temp = await createTempDatabase(gate.url!);
    const h = await startLoyalty({ databaseUrl: temp.url });
    return {
      ...h,
      close: async () => {
        await h.close();
        await temp.drop();
      },
    };
  });
});
