/** One fuzz run over a started platform, shared by the PGlite and the PostgreSQL test. */
import type { MatrixPlatform } from '../authz/authz-matrix.ts';
import { auditDbChanges } from './db-changes.ts';
import { fuzzOpenApi, summarize } from './openapi-fuzz.ts';
import { fuzzOptions, fuzzTargets } from './fuzz-profile.ts';

/**
 * Fuzzes every operation of `m`'s OpenAPI document with the profile's options and prints what it
 * did (`label`) and the requests the document calls valid but the server refuses (not failures).
 */
export async function runFuzz(m: MatrixPlatform, label: string) {
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
    `${label}: ${report.cases} requests over ${report.operations} operations in ${report.ms} ms; by status ${JSON.stringify(report.byStatus)}\n`,
  );
  if (report.disagreements.length)
    process.stdout.write(
      `valid by the document, refused with 400 (coverage lost, not failed):\n${summarize(report.disagreements)}\n`,
    );
  return report;
}
