import { startIdentity } from '../testing/identity-harness.ts';
import { identityThrottleSuite, throttleTestEnv } from './throttles.api-suite.ts';

identityThrottleSuite('one process, embedded PGlite, in-process limiter', async () => {
  const h = await startIdentity({ env: throttleTestEnv });
  return { a: h, b: h, close: () => h.close() };
});
