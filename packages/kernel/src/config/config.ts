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

type Specs = Record<string, VarSpec<unknown>>;
type Values<S extends Specs> = {
  [K in keyof S]: S[K] extends VarSpec<infer T>
    ? S[K] extends { default: string }
      ? T
      : T | undefined
    : never;
};

/** Reads and validates all variables of `specs`; throws ConfigError listing every bad one. */
export function loadConfig<S extends Specs>(
  specs: S,
  env: Record<string, string | undefined> = process.env,
): Values<S> {
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

/** Renders the specs as a Markdown table (used for the README and `redemption config`). */
export function configTable(specs: Specs): string {
  // An empty default as `` would render as two literal backticks, not as an empty code span.
  const shown = (d: string | undefined): string =>
    d === undefined ? '—' : d === '' ? '(empty)' : `\`${d}\``;
  const rows = Object.values(specs).map(
    (s) => `| \`${s.name}\` | ${shown(s.default)} | ${s.description} |`,
  );
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
