import {
  ConfigError,
  configInEffect,
  configTable,
  loadPlatformConfig,
  platformConfigGroups,
  type Env,
  type ServiceModule,
} from '@redemption/kernel';
import { exitCode, parseCommandArgs } from './cli-args.ts';

export const configUsage = `usage: redemption config [--table]
  The configuration in effect: each variable's value (secrets masked) or its default, by who
  reads it (the kernel: every process; a service: where it runs), then anything invalid.
  --table   every variable as a Markdown table (the README's): name, reader, default, meaning`;

/** `redemption config`: never fails on a bad value; it shows it, says why, and exits 1. */
export function configCommand(
  args: readonly string[],
  modules: readonly ServiceModule[],
  env: Env,
  out: NodeJS.WritableStream,
): void {
  const { values } = parseCommandArgs(args, { table: { type: 'boolean' } }, configUsage);
  const groups = platformConfigGroups(modules);
  if (values['table']) return void out.write(`${configTable(groups)}\n`);
  out.write(`${configInEffect(groups, env).join('\n')}\n`);
  try {
    loadPlatformConfig(env, modules);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    out.write(`\n${err.message}\n`);
    process.exitCode = exitCode.failed;
  }
}
