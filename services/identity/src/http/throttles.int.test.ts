import { describe } from 'vitest';
import { createTempDatabase, postgresGate, redisGate } from '@redemption/kernel/testing';
import { startIdentity } from '../testing/identity-harness.ts';
import { identityThrottleSuite, throttleTestEnv } from './throttles.api-suite.ts';

const pgGate = postgresGate();
const redis = redisGate();

describe.skipIf(!pgGate.url || !redis.url)('two identity processes sharing Redis', () => {
  identityThrottleSuite('distributed, PostgreSQL + Redis', async () => {
    const temp = await createTempDatabase(pgGate.url!);
    const env = { ...throttleTestEnv, REDIS_URL: redis.url! };
    const a = await startIdentity({ databaseUrl: temp.url, env });
    const b = await startIdentity({ databaseUrl: temp.url, env });
    return {
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
        await temp.drop();
      },
    };
  });
});
