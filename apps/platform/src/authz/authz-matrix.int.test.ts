/** The authorization matrix on the standalone platform against a real PostgreSQL. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDatabase, postgresGate, type TempDatabase } from '@redemption/kernel/testing';
import {
  formatMatrix,
  runAccessMatrix,
  startMatrixPlatform,
  type MatrixPlatform,
} from './authz-matrix.ts';

const gate = postgresGate();

describe.skipIf(!gate.url)('the authorization matrix (standalone, PostgreSQL)', () => {
  let temp: TempDatabase;
  let m: MatrixPlatform;
  beforeAll(async () => {
    temp = await createTempDatabase(gate.url!);
    m = await startMatrixPlatform({ DATABASE_URL: temp.url });
  }, 60_000);
  afterAll(async () => {
    await m?.close();
    await temp?.drop();
  });

  it('answers every principal on every route as the access table says', async () => {
    const cells = await runAccessMatrix(m.call, await m.fixtures());
    expect(
      cells.filter((c) => c.actual !== c.expected),
      formatMatrix(cells),
    ).toEqual([]);
  }, 180_000);
});
