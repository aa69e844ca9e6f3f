import { describe } from 'vitest';
import { createTempDatabase, postgresGate } from '@redemption/kernel/testing';
import { createFakeServices } from '../testing/fake-services.ts';
import { quickRecovery, startOrders } from '../testing/orders-harness.ts';
import { ordersApiSuite } from './orders.api-suite.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)('on a real PostgreSQL', () => {
  ordersApiSuite('PostgreSQL, fake dependencies', async () => {
    const temp = await createTempDatabase(gate.url!);
    const fakes = createFakeServices();
    const h = await startOrders({
      modules: fakes.modules(),
      databaseUrl: temp.url,
      orders: quickRecovery,
    });
    return {
      fakes,
      h: {
        ...h,
        close: async () => {
          await h.close();
          await temp.drop();
        },
      },
    };
  });
});
