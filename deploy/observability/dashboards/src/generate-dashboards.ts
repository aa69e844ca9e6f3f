/** Writes dashboards/*.json from dashboards.ts: `node deploy/observability/dashboards/src/generate-dashboards.ts`. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { dashboards } from './dashboards.ts';

for (const [file, d] of Object.entries(dashboards)) {
  const path = fileURLToPath(new URL(`../${file}`, import.meta.url));
  const options = { ...(await resolveConfig(path)), filepath: path };
  writeFileSync(path, await format(JSON.stringify(d), options));
}
console.log(`wrote ${Object.keys(dashboards).length} dashboards`);
