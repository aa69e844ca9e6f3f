import { fileURLToPath } from 'node:url';

/** Where things are, for the build scripts (kept free of heavy imports: prestart reads it). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const webDir = fileURLToPath(new URL('../', import.meta.url));
export const schemaFile = `${webDir}src/api/schema.gen.ts`;
export const distIndex = `${webDir}dist/index.html`;

/** Everything the OpenAPI document is made from. */
export const contractInputs = ['services', 'packages', 'apps/platform/src', 'package.json'].map(
  (p) => `${repoRoot}${p}`,
);
/** Everything the built app is made from (besides the API types). */
export const webInputs = [
  'src',
  'public',
  'index.html',
  'vite.config.ts',
  'scripts',
  'package.json',
].map((p) => `${webDir}${p}`);
