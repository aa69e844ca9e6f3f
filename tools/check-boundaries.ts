/**
 * Module-boundary check (part of `npm run lint`).
 *
 * Rules:
 *  1. A service never imports another service's files: not by a relative path that lands in
 *     `services/<other>/`, not by the other service's package name (`@redemption/<other>`).
 *     Services talk through `packages/contracts`.
 *  2. Nothing under `packages/` imports a service (packages are below services).
 *  3. `services/<name>/src/domain/` is pure: no database, cache, broker, HTTP, file or socket
 *     library, and not the kernel (which is all of those).
 *  4. Layers: `http/` never imports `store/` (routes go through `app/`), and `store/` never
 *     imports `app/` (SQL knows nothing of use cases). Test files (`*.test.ts`) are exempt:
 *     a test may look at the tables it checks.
 *
 * No dependencies beyond node:fs / node:path, so it runs as plain `node tools/check-boundaries.ts`.
 * Imports are found by a small scanner (comments and string contents are masked first), not
 * a full parser: it sees static `import`/`export ... from`, side-effect `import '...'`, dynamic
 * `import('...')` and `require('...')` with literal specifiers.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Violation {
  /** Path relative to the root, with `/` separators. */
  file: string;
  /** 1-based line of the import specifier. */
  line: number;
  message: string;
}

interface ImportRef {
  specifier: string;
  line: number;
}

interface Service {
  /** Directory name under services/. */
  dir: string;
  /** Package names that refer to it (`name` from its package.json, plus `@redemption/<dir>`). */
  packageNames: string[];
}

const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']);
const SKIP_DIRS = new Set(['node_modules', 'data', 'dist', 'coverage', '.tmp', '.git']);

/** Libraries that do I/O; domain code must not import them (also matched with a subpath). */
const IO_LIBRARIES = [
  'pg',
  '@electric-sql/pglite',
  'redis',
  'fastify',
  'node:fs',
  'fs',
  'node:net',
  'net',
  'node:http',
  'http',
  '@platformatic/kafka',
  'kafkajs',
  '@redemption/kernel',
];

/** Upper bound on files scanned, so a stray huge tree fails loudly instead of hanging lint. */
const MAX_FILES = 50_000;

/** `from` layer → the layer it must not import, and what to do instead. */
const FORBIDDEN_LAYER_IMPORTS: ReadonlyArray<{ from: string; to: string; advice: string }> = [
  { from: 'http', to: 'store', advice: 'go through app/' },
  { from: 'store', to: 'app', advice: 'the store knows tables, not use cases' },
];

/**
 * Services whose layers are not checked yet, each with the reason; every other service obeys
 * rule 4. Add a service here only with a reason and a plan to remove it.
 */
export const LAYER_RULE_EXEMPT: ReadonlyMap<string, string> = new Map();

export function findViolations(
  rootDir: string,
  layerExempt: ReadonlyMap<string, string> = LAYER_RULE_EXEMPT,
): Violation[] {
  const root = path.resolve(rootDir);
  const services = listServices(root);
  const violations: Violation[] = [];

  for (const service of services) {
    for (const file of listSourceFiles(path.join(root, 'services', service.dir))) {
      const rel = toPosix(path.relative(root, file));
      const inDomain = rel.startsWith(`services/${service.dir}/src/domain/`);
      const checkLayers = !layerExempt.has(service.dir) && !/\.test\.[cm]?[jt]sx?$/.test(rel);
      for (const ref of findImports(readFileSync(file, 'utf8'))) {
        const target = importedService(root, file, ref.specifier, services);
        if (target !== undefined && target !== service.dir) {
          violations.push({
            file: rel,
            line: ref.line,
            message: `service "${service.dir}" imports service "${target}" ('${ref.specifier}'); use packages/contracts`,
          });
        }
        if (inDomain && isIoLibrary(ref.specifier)) {
          violations.push({
            file: rel,
            line: ref.line,
            message: `domain code must be pure but imports I/O library '${ref.specifier}'`,
          });
        }
        const layered = checkLayers ? layerViolation(root, file, ref.specifier) : undefined;
        if (layered) violations.push({ file: rel, line: ref.line, message: layered });
      }
    }
  }

  for (const file of listSourceFiles(path.join(root, 'packages'))) {
    const rel = toPosix(path.relative(root, file));
    for (const ref of findImports(readFileSync(file, 'utf8'))) {
      const target = importedService(root, file, ref.specifier, services);
      if (target !== undefined) {
        violations.push({
          file: rel,
          line: ref.line,
          message: `packages must not depend on services, but this imports service "${target}" ('${ref.specifier}')`,
        });
      }
    }
  }

  return violations.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

function listServices(root: string): Service[] {
  const servicesDir = path.join(root, 'services');
  if (!existsSync(servicesDir)) return [];
  const services: Service[] = [];
  for (const entry of readdirSync(servicesDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || SKIP_DIRS.has(entry.name)) continue;
    const packageNames = new Set([`@redemption/${entry.name}`]);
    const manifest = path.join(servicesDir, entry.name, 'package.json');
    if (existsSync(manifest)) {
      const name: unknown = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
      if (typeof name === 'string' && name !== '') packageNames.add(name);
    }
    services.push({ dir: entry.name, packageNames: [...packageNames] });
  }
  return services;
}

function listSourceFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  const files: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) pending.push(full);
      } else if (entry.isFile() && SOURCE_EXTENSIONS.has(path.extname(entry.name))) {
        if (entry.name.endsWith('.d.ts')) continue;
        files.push(full);
        if (files.length > MAX_FILES) throw new Error(`more than ${MAX_FILES} files under ${dir}`);
      }
    }
  }
  return files;
}

/** The service directory an import points into, or undefined when it is not a service. */
function importedService(
  root: string,
  fromFile: string,
  specifier: string,
  services: Service[],
): string | undefined {
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
    const resolved = path.resolve(path.dirname(fromFile), specifier);
    const rel = toPosix(path.relative(path.join(root, 'services'), resolved));
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    const dir = rel.split('/')[0];
    return services.some((s) => s.dir === dir) ? dir : undefined;
  }
  for (const service of services) {
    if (service.packageNames.some((name) => matchesPackage(specifier, name))) return service.dir;
  }
  return undefined;
}

/** `services/<name>/src/<layer>/...` → layer, for a file of that service. */
function layerOf(root: string, service: string, file: string): string | undefined {
  const rel = toPosix(path.relative(path.join(root, 'services', service, 'src'), file));
  if (rel.startsWith('..') || path.isAbsolute(rel) || !rel.includes('/')) return undefined;
  return rel.split('/')[0];
}

/** The message when a relative import crosses layers the wrong way, inside one service. */
function layerViolation(root: string, file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const service = toPosix(path.relative(path.join(root, 'services'), file)).split('/')[0]!;
  const from = layerOf(root, service, file);
  const to = layerOf(root, service, path.resolve(path.dirname(file), specifier));
  const rule = FORBIDDEN_LAYER_IMPORTS.find((r) => r.from === from && r.to === to);
  return rule && `${from}/ must not import ${to}/ ('${specifier}'): ${rule.advice}`;
}

function isIoLibrary(specifier: string): boolean {
  return IO_LIBRARIES.some((name) => matchesPackage(specifier, name));
}

function matchesPackage(specifier: string, name: string): boolean {
  return specifier === name || specifier.startsWith(`${name}/`);
}

/** Import specifiers with their 1-based line numbers. */
export function findImports(source: string): ImportRef[] {
  const masked = maskCommentsAndStrings(source);
  // Runs on the masked text, so keywords inside comments or strings never match; the quote
  // found is the opening quote of the specifier, whose text is read from the original source.
  const pattern =
    /(?<![\w$.])(?:from|import)\s*(['"])|(?<![\w$.])(?:import|require)\s*\(\s*(['"`])/g;
  const refs: ImportRef[] = [];
  for (const match of masked.matchAll(pattern)) {
    const quoteIndex = match.index + match[0].length - 1;
    const quote = source[quoteIndex] as string;
    const end = source.indexOf(quote, quoteIndex + 1);
    if (end === -1) continue;
    const specifier = source.slice(quoteIndex + 1, end);
    if (quote === '`' && specifier.includes('${')) continue;
    refs.push({ specifier, line: lineAt(source, quoteIndex) });
  }
  return refs;
}

/**
 * Same length and same line breaks as `source`, with comments turned into spaces and the
 * contents of string and template literals into `_` (the quotes themselves stay).
 */
function maskCommentsAndStrings(source: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    const next = source[i + 1];
    if (ch === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') {
        out.push(' ');
        i++;
      }
    } else if (ch === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      for (; i < stop; i++) out.push(source[i] === '\n' ? '\n' : ' ');
    } else if (ch === "'" || ch === '"' || ch === '`') {
      out.push(ch);
      i++;
      while (i < source.length && source[i] !== ch) {
        // A plain string cannot span lines; stop so one stray quote (say, in a regex literal)
        // cannot mask the rest of the file.
        if (ch !== '`' && source[i] === '\n') break;
        const width = source[i] === '\\' ? 2 : 1;
        for (let k = 0; k < width && i < source.length; k++, i++) {
          out.push(source[i] === '\n' ? '\n' : '_');
        }
      }
      if (i < source.length && source[i] === ch) {
        out.push(ch);
        i++;
      }
    } else {
      out.push(ch);
      i++;
    }
  }
  return out.join('');
}

function lineAt(source: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

if (import.meta.main) {
  const root = path.resolve(import.meta.dirname, '..');
  const violations = findViolations(root);
  for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    console.error(`check-boundaries: ${violations.length} violation(s)`);
    process.exit(1);
  }
  console.log('check-boundaries: no violations');
}
