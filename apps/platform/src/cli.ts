#!/usr/bin/env node
/**
 * `redemption`: the platform's command line. Run it through npm (`npm start`, `npm run
 * redemption -- <command>`) or apps/platform/bin/redemption.mjs, which check for Node 24 first.
 */
import { readFileSync } from 'node:fs';
import {
  ConfigError,
  createDb,
  DatabaseUnreachableError,
  kernelMigrations,
  loadPlatformConfig,
  migrate,
  buildPlatform,
} from '@redemption/kernel';
import { adminCommand, adminUsage } from './cli/admin-command.ts';
import { backupCommand, backupUsage, restoreCommand, restoreUsage } from './cli/backup-command.ts';
import { CommandFailed, exitCode, parseCommandArgs, UsageError } from './cli/cli-args.ts';
import { configCommand, configUsage } from './cli/config-command.ts';
import { eventsCommand, eventsUsage } from './cli/events-command.ts';
import { demoSkippedNote, serveCommand, serveUsage, startCommand } from './cli/serve-command.ts';
import { ledgerCommand, ledgerUsage } from './ledger-cli.ts';
import { allModules, moduleNames } from './modules.ts';
import { openApiDocument } from './openapi-document.ts';

const version = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const usage = `Redemption ${version}: the hotel-loyalty commerce platform

usage: redemption <command> [options]      (redemption <command> --help for one command)

  start                  every service in one process (standalone); the embedded database in
                         DATA_DIR unless DATABASE_URL is set
  serve <service>        one service alone against DATABASE_URL (distributed mode)
                         services: ${moduleNames().join(', ')}
  serve gateway          the front door of distributed mode: /api/* to each <SERVICE>_URL
  migrate                apply every service's migrations and exit
  seed                   create the first admin (and demo data, see DEMO_DATA) and exit
  admin create           create an admin (--email, --username; the password is asked, unechoed)
  config [--table]       the configuration in effect, secrets masked (--table: every variable)
  openapi                print the OpenAPI document (no server, no database on disk)
  events dlq list        dead-lettered events (events dlq replay <id>: re-drive one)
  ledger verify          check the ledger's invariants (exit 1 on a violation)
  backup --out <file>    pg_dump of every service schema (--schema: some), one snapshot
  restore --in <file>    pg_restore of a backup into DATABASE_URL, in one transaction

  -h, --help             this help        -v, --version    the version

Settings come from environment variables: \`redemption config\` shows them.`;

type Command = (args: readonly string[]) => Promise<void> | void;

const noOptionsUsage = (name: string, what: string) => `usage: redemption ${name}\n  ${what}`;
const migrateUsage = noOptionsUsage('migrate', "applies every service's migrations and exits");
const seedUsage = noOptionsUsage('seed', 'creates the first admin (demo data per DEMO_DATA)');
const openapiUsage = noOptionsUsage('openapi', 'prints the OpenAPI document of every service');

/** Each command and its own usage (`redemption <command> --help`). */
const commands: Record<string, { usage: string; run: Command }> = {
  start: { usage: serveUsage, run: (args) => startCommand(args, version) },
  serve: { usage: serveUsage, run: (args) => serveCommand(args, version) },
  migrate: { usage: migrateUsage, run: (args) => migrateCommand(args) },
  seed: { usage: seedUsage, run: (args) => seedCommand(args) },
  admin: {
    usage: adminUsage,
    run: (args) =>
      adminCommand(args, version, {
        input: process.stdin,
        output: process.stderr,
        stdout: process.stdout,
      }),
  },
  config: {
    usage: configUsage,
    run: (args) => configCommand(args, allModules, process.env, process.stdout),
  },
  openapi: { usage: openapiUsage, run: (args) => openapiCommand(args) },
  events: { usage: eventsUsage, run: (args) => eventsCommand(args, process.stdout) },
  ledger: { usage: ledgerUsage, run: (args) => ledgerCommand(args) },
  backup: {
    usage: backupUsage,
    run: (args) => backupCommand(args, allModules, process.stdout),
  },
  restore: {
    usage: restoreUsage,
    run: (args) => restoreCommand(args, allModules, process.stdout),
  },
};

async function migrateCommand(args: readonly string[]): Promise<void> {
  parseCommandArgs(args, {}, migrateUsage);
  const config = loadPlatformConfig(process.env, allModules);
  const db = await createDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 2,
  });
  try {
    const applied = await migrate(db, [kernelMigrations, ...allModules.map((m) => m.migrations)]);
    const list = applied.length ? `: ${applied.join(', ')}` : '';
    process.stdout.write(`applied ${applied.length} migration(s)${list}\n`);
  } finally {
    await db.close();
  }
}

async function seedCommand(args: readonly string[]): Promise<void> {
  parseCommandArgs(args, {}, seedUsage);
  const config = loadPlatformConfig(process.env, allModules);
  const platform = await buildPlatform({ config, modules: allModules, name: 'seed', version });
  const lines = await platform.seed();
  await platform.close();
  const out = [lines.length ? lines.join('\n') : 'nothing to add', ...demoSkippedNote(config)];
  process.stdout.write(`${out.join('\n')}\n`);
}

async function openapiCommand(args: readonly string[]): Promise<void> {
  parseCommandArgs(args, {}, openapiUsage);
  const doc = await openApiDocument(allModules, version);
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Help and version need no configuration; everything else reads and validates its own. */
async function main(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help')
    return void process.stdout.write(`${usage}\n`);
  if (first === '-v' || first === '--version') return void process.stdout.write(`${version}\n`);
  const command = commands[first];
  if (!command) throw new UsageError(`unknown command "${first}"`, usage);
  if (rest.includes('--help') || rest.includes('-h'))
    return void process.stdout.write(`${command.usage}\n`);
  try {
    return await command.run(rest);
  } catch (err) {
    // A mistake found deep in a command (a prompt with no terminal) shows that command's usage.
    if (err instanceof UsageError && !err.usage) throw new UsageError(err.message, command.usage);
    throw err;
  }
}

/**
 * What a person gets when it goes wrong: a usage mistake shows the usage (exit 2); a bad
 * setting, an unreachable database or a refused request says so in a sentence (exit 1). Only an
 * unexpected error, a bug, shows its stack.
 */
function report(err: unknown): void {
  if (err instanceof UsageError) {
    process.stderr.write(`redemption: ${err.message}\n\n${err.usage ?? usage}\n`);
    process.exitCode = exitCode.usage;
    return;
  }
  const known =
    err instanceof ConfigError ||
    err instanceof DatabaseUnreachableError ||
    err instanceof CommandFailed;
  const hint = err instanceof ConfigError ? '\n(`redemption config` shows every setting)' : '';
  process.stderr.write(
    known
      ? `redemption: ${err.message}${hint}\n`
      : `redemption: ${(err as Error).stack ?? String(err)}\n`,
  );
  process.exitCode = exitCode.failed;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  report(err);
  // A failed start may leave pools or timers open; the error has been said, so end here.
  process.exit();
});
