/**
 * The OpenAPI fuzzer (openapi-fuzz.ts) on the standalone platform against a real PostgreSQL:
 * the same draws as the PGlite test, so a difference between the two databases (an error code
 * PGlite maps differently, a NUL that PostgreSQL refuses in text) shows here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';
import { startMatrixPlatform, type MatrixPlatform } from '../authz/authz-matrix.ts';
import { summarize } from './openapi-fuzz.ts';
import { fuzzEnv } from './fuzz-profile.ts';
import { runFuzz } from './fuzz-run.ts';

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
    const report = await runFuzz(m, 'fuzz (PostgreSQL)');
    expect(summarize(report.findings)).toBe('');
    expect(report.operations).toBeGreaterThanOrEqual(50);
  }, 600_000);
});
