import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const skipped = new Set(['node_modules', 'dist', 'data', '.tmp', 'coverage']);
/** Upper bound on files walked, so a stray huge tree cannot make `npm start` crawl. */
const walkFilesMax = 20_000;

/** Newest modification time (ms) under the given files and folders; 0 when none exist. */
export function newestMtimeMs(paths: readonly string[]): number {
  let newest = 0;
  let walked = 0;
  const visit = (path: string): void => {
    if (!existsSync(path) || ++walked > walkFilesMax) return;
    const st = statSync(path);
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) if (!skipped.has(name)) visit(join(path, name));
    } else if (!/\.test\.tsx?$/.test(path)) newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of paths) visit(p);
  return newest;
}

/** True when `output` is missing or older than anything in `inputs`. */
export const isStale = (output: string, inputs: readonly string[]): boolean =>
  !existsSync(output) || statSync(output).mtimeMs < newestMtimeMs(inputs);
