#!/usr/bin/env node
/**
 * Builds the web app into apps/web/dist (API types first, then Vite).
 *   --if-stale   `npm start`'s prestart: build only when a source is newer than the output
 *                (a quarter of a second when nothing changed; decision 012)
 */
import { isStale } from './freshness.ts';
import { contractInputs, distIndex, schemaFile, webDir, webInputs } from './web-paths.ts';

const ifStale = process.argv.includes('--if-stale');
const typesStale = !ifStale || isStale(schemaFile, contractInputs);
if (typesStale || isStale(distIndex, webInputs)) {
  const t0 = performance.now();
  process.stderr.write('building the web app (apps/web) ...\n');
  if (typesStale) await (await import('./gen-api.ts')).generateApiTypes();
  // Always a production build, whatever NODE_ENV the caller has (vitest sets `test`, which would
  // make Vite and React build their development variants: three times the JavaScript).
  process.env['NODE_ENV'] = 'production';
  const { build } = await import('vite');
  await build({ root: webDir, mode: 'production', logLevel: 'warn' });
  process.stderr.write(`web app built in ${Math.round(performance.now() - t0)} ms\n`);
}
