/**
 * Configuration from environment variables, validated once at start-up.
 *
 * Every variable is declared once (name, default, meaning, parser) so the same table drives
 * validation, the README's configuration table and `redemption config`. A bad value produces one
 * clear line naming the variable; secrets are never echoed back.
 */
export interface VarSpec<T> {
  name: string;
  description: string;
  /** Default as the user would type it; undefined = optional with no value. */
  default?: string;
  secret?: boolean;
  parse: (raw: string) => T;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** A set of variables: each key becomes a field of the loaded config. */
export type ConfigSpecs = Record<string, VarSpec<unknown>>;
type Specs = ConfigSpecs;
/** The loaded values of `S`: a variable with a default is always there. */
export type ConfigValues<S extends Specs> = Values<S>;
/** An environment as `process.env` gives it. */
export type Env = Readonly<Record<string, string | undefined>>;
type Values<S extends Specs> = {
  [K in keyof S]: S[K] extends VarSpec<infer T>
    ? S[K] extends { default: string }
      ? T
      : T | undefined
    : never;
};

/** Reads and validates all variables of `specs`; throws ConfigError listing every bad one. */
export function loadConfig<S extends Specs>(specs: S, env: Env = process.env): Values<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(specs)) {
    // An empty variable counts as unset. A default is always parsed, even an empty one
    // (`CORS_ORIGINS` defaults to '' and must come back as [], as its type says).
    const given = env[spec.name];
    const raw = given === undefined || given === '' ? spec.default : given;
    if (raw === undefined) {
      out[key] = undefined;
      continue;
    }
    try {
      out[key] = spec.parse(raw);
    } catch (err) {
      const shown = spec.secret ? '(secret value hidden)' : JSON.stringify(raw);
      problems.push(`${spec.name}=${shown}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Values<S>;
}

export function required<T>(spec: VarSpec<T>): VarSpec<T> {
  return { ...spec, description: `${spec.description} (required)` };
}

// ---- parsers: each throws an Error whose message says what was expected ----

export const str =
  (maxLength = 2048) =>
  (raw: string): string => {
    if (raw.length > maxLength) throw new Error(`must be at most ${maxLength} characters`);
    return raw;
  };

export const int =
  (min: number, max: number) =>
  (raw: string): number => {
    if (!/^-?\d+$/.test(raw)) throw new Error('must be an integer');
    const n = Number(raw);
    if (n < min || n > max) throw new Error(`must be between ${min} and ${max}`);
    return n;
  };

export const oneOf =
  <T extends string>(...allowed: T[]) =>
  (raw: string): T => {
    if (!(allowed as string[]).includes(raw))
      throw new Error(`must be one of ${allowed.join(', ')}`);
    return raw as T;
  };

export const bool = (raw: string): boolean => {
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new Error('must be true or false');
};

export const url =
  (...protocols: string[]) =>
  (raw: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error('must be a URL');
    }
    if (protocols.length > 0 && !protocols.includes(parsed.protocol.replace(/:$/, ''))) {
      throw new Error(`must use ${protocols.join(' or ')}://`);
    }
    return raw;
  };

export const list = (raw: string): string[] =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** Variables and who reads them: `kernel` (every process) or a service module's name. */
export interface ConfigGroup {
  owner: string;
  specs: Specs;
}

/** Renders the groups as one Markdown table (the README's, and `redemption config --table`). */
export function configTable(groups: readonly ConfigGroup[]): string {
  // An empty default as `` would render as two literal backticks, not as an empty code span.
  const shown = (d: string | undefined): string =>
    d === undefined ? '—' : d === '' ? '(empty)' : `\`${d}\``;
  const rows = groups.flatMap((g) =>
    Object.values(g.specs).map(
      (s) => `| \`${s.name}\` | ${g.owner} | ${shown(s.default)} | ${s.description} |`,
    ),
  );
  return ['| variable | read by | default | meaning |', '| --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}

/**
 * A URL with its password replaced by `***` (and `password=` query values), for messages and
 * `redemption config`; anything that does not parse as a URL is hidden whole.
 */
export function maskedUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return '(hidden)';
  }
  if (u.password) u.password = '***';
  if (u.searchParams.has('password')) u.searchParams.set('password', '***');
  return u.toString().replace('%2A%2A%2A', '***');
}

/** A variable's value as `redemption config` shows it: secrets masked or hidden. */
export function shownValue(spec: VarSpec<unknown>, raw: string): string {
  if (!spec.secret) return raw;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? maskedUrl(raw) : '(set, hidden)';
}

/** One line per variable of each group: its value in `env` (masked) or its default. */
export function configInEffect(groups: readonly ConfigGroup[], env: Env): string[] {
  const width = Math.max(
    ...groups.flatMap((g) => Object.values(g.specs).map((s) => s.name.length)),
  );
  return groups.flatMap((g) => [
    `${g.owner}:`,
    ...Object.values(g.specs).map((s) => {
      const given = env[s.name];
      const value =
        given !== undefined && given !== ''
          ? shownValue(s, given)
          : s.default === undefined
            ? '(unset)'
            : `${s.default === '' ? '(empty)' : s.default}  (default)`;
      return `  ${s.name.padEnd(width)}  ${value}`;
    }),
  ]);
}
