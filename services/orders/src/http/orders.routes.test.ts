import { createFakeServices } from '../testing/fake-services.ts';
import { quickRecovery, startOrders } from '../testing/orders-harness.ts';
import { ordersApiSuite } from './orders.api-suite.ts';

ordersApiSuite('embedded PGlite, fake dependencies', async () => {
  const fakes = createFakeServices();
  const h = await startOrders({ modules: fakes.modules(), orders: quickRecovery });
  return { h, fakes };
});
