import { describe } from 'vitest';
import { createTempDatabase, postgresGate } from '@redemption/kernel/testing';
import { catalogApiSuite } from './catalog.api-suite.ts';
import { startCatalog } from '../testing/catalog-harness.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)('on a real PostgreSQL', () => {
  catalogApiSuite('PostgreSQL', async () => {
    const temp = await createTempDatabase(gate.url!);
    const h = await startCatalog({ databaseUrl: temp.url });
    return {
      ...h,
      close: async () => {
        await h.close();
        await temp.drop();
      },
    };
  });
});
