/** How much the fuzzer does: the CI profile by default, more with FUZZ_RUNS (see the tests). */
import type { AuthzFixtures } from '../authz/authz-fixtures.ts';
import type { FuzzOptions } from './openapi-fuzz.ts';

/** Valid and broken requests per operation and principal in CI: about 4,600 requests in all (76 operations). */
const ciRunsPerOperation = 16;
const defaultSeed = 20261201;

/** A webhook secret, so the Stripe webhook checks signatures instead of answering 503. */
export const fuzzEnv = { STRIPE_WEBHOOK_SECRET: `whsec_${'f'.repeat(32)}` };

export function fuzzTargets(fx: AuthzFixtures) {
  return {
    principals: [
      { name: 'member', token: fx.member.token },
      { name: 'admin', token: fx.adminToken },
    ],
    ids: [
      fx.member.id,
      fx.otherMember.id,
      fx.product,
      fx.drop,
      fx.paidOrder.id,
      fx.paidOrder.paymentId,
      fx.earnTransaction,
      fx.asyncOperation,
    ],
  };
}

/** Logging out and deleting an account end the fixtures' sessions: these run after the rest. */
const sessionEnding =
  /^(POST \/api\/users\/(logout|\{id\}\/logout-all)|DELETE \/api\/users\/\{id\})$/;

export function fuzzOptions(targets: ReturnType<typeof fuzzTargets>): FuzzOptions {
  const env = process.env;
  return {
    ...targets,
    runs: Number(env['FUZZ_RUNS'] ?? ciRunsPerOperation),
    seed: Number(env['FUZZ_SEED'] ?? defaultSeed),
    last: sessionEnding,
    ...(env['FUZZ_ONLY'] ? { only: new RegExp(env['FUZZ_ONLY']) } : {}),
    ...(env['FUZZ_PROGRESS']
      ? {
          onOperation: (op: string, byStatus: Record<number, number>, ms: number) =>
            void process.stderr.write(`fuzz: ${op}: ${JSON.stringify(byStatus)} in ${ms} ms\n`),
        }
      : {}),
  };
}
