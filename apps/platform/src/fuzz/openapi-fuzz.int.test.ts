/**
 * The OpenAPI fuzzer (openapi-fuzz.ts) on the standalone platform against a real PostgreSQL:
 * the same draws as the PGlite test, so a difference between the two databases (an error code
 * PGlite maps differently, a NUL that PostgreSQL refuses in text) shows here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';
import { startMatrixPlatform, type MatrixPlatform } from '../authz/authz-matrix.ts';
import { auditDbChanges } from './db-changes.ts';
import { fuzzOpenApi, summarize } from './openapi-fuzz.ts';
import { fuzzEnv, fuzzOptions, fuzzTargets } from './fuzz-profile.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)('fuzzing every operation of the OpenAPI document (PostgreSQL)', () => {
  let temp: TempDatabase;
  let m: MatrixPlatform;
  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    m = await startMatrixPlatform({ ...fuzzEnv, DATABASE_URL: temp.url });
  }, 180_000);
  afterAll(async () => {
    await m?.close();
    await temp?.drop();
  });

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
      `fuzz (PostgreSQL): ${report.cases} requests over ${report.operations} operations in ${report.ms} ms; by status ${JSON.stringify(report.byStatus)}\n`,
    );
    if (report.disagreements.length)
      process.stdout.write(
        `valid by the document, refused with 400 (coverage lost, not failed):\n${summarize(report.disagreements)}\n`,
      );
    expect(summarize(report.findings)).toBe('');
    expect(report.operations).toBeGreaterThanOrEqual(50);
  }, 600_000);
});
