/**
 * The OpenAPI fuzzer on the standalone platform (embedded PGlite), as a member and as an admin.
 * CI runs the small profile; `FUZZ_RUNS=200 npm test -- apps/platform/src/fuzz` the large one
 * (FUZZ_SEED replays another draw, FUZZ_ONLY='POST /api/orders' narrows it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMatrixPlatform, type MatrixPlatform } from '../authz/authz-matrix.ts';
import { summarize } from './openapi-fuzz.ts';
import { fuzzEnv } from './fuzz-profile.ts';
import { runFuzz } from './fuzz-run.ts';

describe('fuzzing every operation of the OpenAPI document (standalone, PGlite)', () => {
  let m: MatrixPlatform;
  beforeAll(async () => {
    m = await startMatrixPlatform(fuzzEnv);
  }, 180_000);
  afterAll(async () => m?.close());

  it('answers no 5xx, refuses every broken request with problem+json, and a refused write changes nothing', async () => {
    const report = await runFuzz(m, 'fuzz');
    expect(summarize(report.findings)).toBe('');
    expect(report.operations).toBeGreaterThanOrEqual(50);
  }, 600_000);
});
