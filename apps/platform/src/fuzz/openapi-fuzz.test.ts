/**
 * The OpenAPI fuzzer on the standalone platform (embedded PGlite), as a member and as an admin.
 * CI runs the small profile; `FUZZ_RUNS=200 npm test -- apps/platform/src/fuzz` the large one
 * (FUZZ_SEED replays another draw, FUZZ_ONLY='POST /api/orders' narrows it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMatrixPlatform, type MatrixPlatform } from '../authz/authz-matrix.ts';
import { auditDbChanges } from './db-changes.ts';
import { fuzzOpenApi, summarize } from './openapi-fuzz.ts';
import { fuzzEnv, fuzzOptions, fuzzTargets } from './fuzz-profile.ts';

describe('fuzzing every operation of the OpenAPI document (standalone, PGlite)', () => {
  let m: MatrixPlatform;
  beforeAll(async () => {
    m = await startMatrixPlatform(fuzzEnv);
  }, 180_000);
  afterAll(async () => m?.close());

  it('answers no 5xx, refuses every broken request with problem+json, and a refused write changes nothing', async () => {
    const fx = await m.fixtures();
    const changes = await auditDbChanges(m.platform.db);
    const doc = (await m.call('GET', '/api/openapi.json', null)).body;
    const report = await fuzzOpenApi(
      m.platform.app,
      doc as never,
      changes,
      fuzzOptions(fuzzTargets(fx)),
    );
    process.stdout.write(
      `fuzz: ${report.cases} requests over ${report.operations} operations in ${report.ms} ms; by status ${JSON.stringify(report.byStatus)}\n`,
    );
    if (report.disagreements.length)
      process.stdout.write(
        `valid by the document, refused with 400 (coverage lost, not failed):\n${summarize(report.disagreements)}\n`,
      );
    expect(summarize(report.findings)).toBe('');
    expect(report.operations).toBeGreaterThanOrEqual(50);
  }, 600_000);
});
