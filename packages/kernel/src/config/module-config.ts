import type { ServiceModule } from '../service.ts';
import {
  ConfigError,
  loadConfig,
  url,
  type ConfigGroup,
  type ConfigSpecs,
  type ConfigValues,
  type Env,
  type VarSpec,
} from './config.ts';

/** The variable that holds a service's base URL: `loyalty` → `LOYALTY_URL`. */
export const serviceUrlVarName = (service: string): string =>
  `${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;

/** `<NAME>_URL`: where a service is when it does not run in this process. */
export const serviceUrlSpec = (service: string): VarSpec<string> => ({
  name: serviceUrlVarName(service),
  description: `${service} service base URL when it is not in this process (distributed mode: the services that call it, and the gateway)`,
  parse: url('http', 'https'),
});

/** Base URLs of `services` from `<NAME>_URL`; undefined where unset. Throws a ConfigError. */
export function serviceUrls(
  services: readonly string[],
  env: Env,
): Record<string, string | undefined> {
  const specs = Object.fromEntries(services.map((s) => [s, serviceUrlSpec(s)]));
  return loadConfig(specs, env) as Record<string, string | undefined>;
}

/** A module's own values, read from `env`. Throws a ConfigError naming every bad variable. */
export const loadModuleConfig = <S extends ConfigSpecs>(
  module: ServiceModule<S>,
  env: Env,
): ConfigValues<S> => loadConfig(module.config ?? ({} as S), env);

/**
 * What is wrong in `env` for these modules: their own variables and the URL of each service
 * they call that is not among them. One line per bad variable, secrets never shown.
 */
export function moduleConfigProblems(modules: readonly ServiceModule[], env: Env): string[] {
  const here = new Set(modules.map((m) => m.name));
  const remote = [...new Set(modules.flatMap((m) => m.needs ?? []))].filter((n) => !here.has(n));
  const problems: string[] = [];
  for (const load of [
    ...modules.map((m) => () => loadModuleConfig(m, env)),
    () => serviceUrls(remote, env),
  ]) {
    try {
      load();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  return problems;
}

/**
 * Every variable, grouped by who reads it: the kernel's, then each module's URL and its own.
 * Fails when two places declare one variable or one config key (a module's values are merged
 * over the kernel's in its context), so a clash is found by the first test, not in production.
 */
export function configGroups(
  kernel: ConfigSpecs,
  modules: readonly ServiceModule[],
): ConfigGroup[] {
  const groups: ConfigGroup[] = [
    { owner: 'kernel', specs: kernel },
    ...modules.map((m) => ({
      owner: m.name,
      specs: { [`${m.name}Url`]: serviceUrlSpec(m.name), ...m.config },
    })),
  ];
  const names = new Map<string, string>();
  for (const g of groups)
    for (const s of Object.values(g.specs)) {
      const other = names.get(s.name);
      if (other) throw new Error(`${s.name} is declared by both ${other} and ${g.owner}`);
      names.set(s.name, g.owner);
    }
  for (const m of modules)
    for (const key of Object.keys(m.config ?? {}))
      if (key in kernel) throw new Error(`${m.name} config key ${key} shadows the kernel's`);
  return groups;
}
