import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line: the CLI prints the message and the usage, exit 2, no stack. */
export class UsageError extends Error {
  readonly usage: string | undefined;
  constructor(message: string, usage?: string) {
    super(message);
    this.name = 'UsageError';
    this.usage = usage;
  }
}

/** The command could not do its work for a reason the user can act on: message, exit 1. */
export class CommandFailed extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CommandFailed';
  }
}

/** Exit codes: 0 done; 1 it could not be done (configuration, database, refused); 2 misuse. */
export const exitCode = { ok: 0, failed: 1, usage: 2 } as const;

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandArgs {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

/**
 * `node:util` parseArgs, strict: an unknown option, a missing value or a stray argument is a
 * UsageError showing `usage`, never a stack trace. `positionalsMax`: how many words may follow.
 */
export function parseCommandArgs(
  args: readonly string[],
  options: Options,
  usage: string,
  positionalsMax = 0,
): CommandArgs {
  let parsed: CommandArgs;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs' own messages are clear ("Unknown option '--fll'"); its stack is not for users.
    throw new UsageError((err as Error).message, usage);
  }
  if (parsed.positionals.length > positionalsMax)
    throw new UsageError(`unexpected argument "${parsed.positionals[positionalsMax]}"`, usage);
  return parsed;
}

/** A whole number from an option, within [min, max]; a UsageError otherwise. */
export function intOption(
  raw: string | boolean | Array<string | boolean> | undefined,
  name: string,
  range: { min: number; max: number },
  usage: string,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || n < range.min || n > range.max)
    throw new UsageError(
      `--${name} must be a whole number from ${range.min} to ${range.max}`,
      usage,
    );
  return n;
}
