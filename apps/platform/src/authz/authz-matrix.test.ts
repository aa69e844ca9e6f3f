/**
 * The authorization matrix on the standalone platform (embedded PGlite): every route has a row
 * in the access table, and every route answers anonymous, the member, another member, an admin
 * and an internal service as its row says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTable } from './access-table.ts';
import {
  coveredRoutes,
  formatMatrix,
  runAccessMatrix,
  startMatrixPlatform,
  type MatrixPlatform,
} from './authz-matrix.ts';

describe('the authorization matrix (standalone, PGlite)', () => {
  let m: MatrixPlatform;
  beforeAll(async () => {
    m = await startMatrixPlatform();
  }, 60_000);
  afterAll(async () => m?.close());

  it('has a row for every route, and a route for every row', () => {
    const routes = coveredRoutes(m.platform);
    const missing = routes.filter((r) => !accessTable[r]);
    // A new route needs a row in apps/platform/src/authz/access-table.ts saying who may call it.
    expect(missing, 'routes without a row in access-table.ts').toEqual([]);
    const stale = Object.keys(accessTable).filter((r) => !routes.includes(r));
    expect(stale, 'rows of access-table.ts that match no route').toEqual([]);
  });

  it('answers every principal on every route as the access table says', async () => {
    const cells = await runAccessMatrix(m.call, await m.fixtures());
    // AUTHZ_MATRIX_PRINT=1 prints the whole matrix (route × principal → status).
    if (process.env['AUTHZ_MATRIX_PRINT']) process.stdout.write(`${formatMatrix(cells)}\n`);
    const wrong = cells.filter((c) => c.actual !== c.expected);
    expect(wrong, formatMatrix(cells)).toEqual([]);
    expect(cells.length).toBe(Object.keys(accessTable).length * 5);
  }, 180_000);
});
