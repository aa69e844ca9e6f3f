import {
  createDb,
  kernelMigrations,
  loadPlatformConfig,
  migrate,
  type PlatformConfig,
} from '@redemption/kernel';
import {
  loyaltyModule,
  resultDetail,
  VerificationBusyError,
  verifyLedger,
  type VerificationResult,
} from '@redemption/loyalty';
import { intOption, parseCommandArgs, UsageError } from './cli/cli-args.ts';

export const ledgerUsage = `usage: redemption ledger verify [--full] [--timeout-s N]
  Checks the ledger's invariants on a consistent snapshot, incrementally from the last verified
  position (--full: everything; --timeout-s: one timeout for every check). Exit 0 when every
  check passes, 1 on a violation, 2 when it could not verify.`;

/**
 * Exit codes: every check passed; a violation; anything else (a check that could not run,
 * another verification running, a bad option, no database), so a cron job or an alert on the
 * exit code never mistakes an outage for a corrupt ledger or the other way round.
 */
export const ledgerExit = { ok: 0, violations: 1, incomplete: 2 } as const;
const timeoutSMax = 86_400;

interface VerifyArgs {
  full: boolean;
  timeoutMs?: number;
}

function parseVerifyArgs(args: readonly string[]): VerifyArgs {
  const [verb, ...rest] = args;
  if (verb !== 'verify')
    throw new UsageError(
      verb ? `unknown ledger command "${verb}"` : 'ledger needs a command: verify',
      ledgerUsage,
    );
  const options = { full: { type: 'boolean' }, 'timeout-s': { type: 'string' } } as const;
  const { values } = parseCommandArgs(rest, options, ledgerUsage);
  const timeoutS = intOption(
    values['timeout-s'],
    'timeout-s',
    { min: 1, max: timeoutSMax },
    ledgerUsage,
  );
  return { full: values['full'] === true, ...(timeoutS ? { timeoutMs: timeoutS * 1000 } : {}) };
}

/** `redemption ledger verify`: prints each check and its count; sets the exit code. */
export async function ledgerCommand(args: readonly string[]): Promise<void> {
  const opts = parseVerifyArgs(args); // a usage mistake: usage and exit 2, like any command
  try {
    const result = await verify(loadPlatformConfig(process.env, [loyaltyModule]), opts);
    process.stdout.write(`${verificationReport(result).join('\n')}\n`);
    process.exitCode = result.errors
      ? ledgerExit.incomplete
      : result.violations
        ? ledgerExit.violations
        : ledgerExit.ok;
  } catch (err) {
    const message =
      err instanceof VerificationBusyError
        ? `${err.message}; try again when it is done`
        : (err as Error).message;
    process.stderr.write(`redemption ledger: ${message}\n`);
    process.exitCode = ledgerExit.incomplete;
  }
}

async function verify(config: PlatformConfig, opts: VerifyArgs): Promise<VerificationResult> {
  const db = await createDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 2,
    applicationName: 'redemption ledger verify',
  });
  try {
    await migrate(db, [kernelMigrations, loyaltyModule.migrations]);
    return await verifyLedger(db, {
      mode: opts.full ? 'full' : 'auto',
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
      onProgress: (line) => void process.stderr.write(`${line}\n`),
    });
  } finally {
    await db.close();
  }
}

/** One line per check (status, id, count and what it read), then the verdict. */
export function verificationReport(r: VerificationResult): string[] {
  const width = Math.max(...r.checks.map((c) => c.check.length));
  const lines = r.checks.map(
    (c) => `  ${c.status.toUpperCase().padEnd(7)} ${c.check.padEnd(width)}  ${resultDetail(c)}`,
  );
  const from = r.fromPosition ? `incremental from position ${r.fromPosition}` : 'full';
  const verdict = r.errors
    ? `INCOMPLETE: ${r.errors} check(s) could not run`
    : r.violations
      ? `FAIL: ${r.violations} violation(s)`
      : 'PASS: 0 violations';
  return [
    `ledger verify (${from}) at position ${r.position}, snapshot ${r.snapshot}, ${r.verifiedAt.toISOString()}`,
    ...lines,
    `${verdict} in ${r.ms} ms${r.recorded ? '; position recorded' : '; position not recorded'}`,
  ];
}
