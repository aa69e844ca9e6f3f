import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** Files smaller than this are not worth a compressed twin (headers cost more). */
const compressMinBytes = 1024;
const compressible = /\.(js|css|html|svg|json|txt)$/;

export interface ChunkSize {
  file: string;
  bytes: number;
  gzip: number;
  brotli: number;
  entry: boolean;
  /** Chunks this one imports statically (loaded with it). */
  imports: string[];
}

export interface BundleReport {
  chunks: ChunkSize[];
  /** JavaScript the first page loads: the entry and everything it imports statically. */
  firstPageJs: { bytes: number; gzip: number; brotli: number; files: string[] };
}

/** Static closure of the entry chunk: what the browser must fetch before the app can render. */
function firstPage(chunks: ChunkSize[]): BundleReport['firstPageJs'] {
  const byFile = new Map(chunks.map((c) => [c.file, c]));
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file) || !byFile.has(file)) return;
    seen.add(file);
    for (const i of byFile.get(file)!.imports) visit(i);
  };
  for (const c of chunks) if (c.entry) visit(c.file);
  const files = [...seen];
  const total = (k: 'bytes' | 'gzip' | 'brotli') =>
    files.reduce((n, f) => n + byFile.get(f)![k], 0);
  return { bytes: total('bytes'), gzip: total('gzip'), brotli: total('brotli'), files };
}

/**
 * Writes a .gz and a .br beside every text asset (the platform serves them with
 * `preCompressed`, so nothing is compressed per request) and `bundle-report.json` with each
 * chunk's sizes, which the README figures and the browser test's budget come from.
 */
export function bundleReport(): Plugin {
  return {
    name: 'redemption-bundle-report',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir!;
      const chunks: ChunkSize[] = [];
      for (const [file, out] of Object.entries(bundle)) {
        if (!compressible.test(file)) continue;
        const source = out.type === 'chunk' ? out.code : out.source;
        const raw = typeof source === 'string' ? Buffer.from(source) : Buffer.from(source);
        const gz = gzipSync(raw, { level: 9 });
        const br = brotliCompressSync(raw, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
        });
        if (raw.length >= compressMinBytes) {
          writeFileSync(join(dir, `${file}.gz`), gz);
          writeFileSync(join(dir, `${file}.br`), br);
        }
        if (out.type === 'chunk')
          chunks.push({
            file,
            bytes: raw.length,
            gzip: gz.length,
            brotli: br.length,
            entry: out.isEntry,
            imports: out.imports,
          });
      }
      const report: BundleReport = { chunks, firstPageJs: firstPage(chunks) };
      writeFileSync(join(dir, 'bundle-report.json'), `${JSON.stringify(report, null, 2)}\n`);
    },
  };
}
