/**
 * `redemption backup` and `redemption restore`: pg_dump / pg_restore of the service schemas of
 * DATABASE_URL (the kernel's and each service's, or the ones named). One consistent snapshot
 * across every schema (pg_dump reads in one repeatable-read transaction), so the outbox, the
 * consumers' offsets and the services' rows agree in the backup; a restore runs in one
 * transaction, so it lands whole or not at all. Runbook: docs/runbooks/restore.md.
 */
import { statSync } from 'node:fs';
import {
  createDb,
  loadPlatformConfig,
  maskedUrl,
  type Db,
  type PlatformConfig,
  type ServiceModule,
} from '@redemption/kernel';
import { CommandFailed, parseCommandArgs, UsageError } from './cli-args.ts';
import { archiveContents, runPgTool } from './pg-tools.ts';
import { alignTransactionIds } from './xid-alignment.ts';

export const backupUsage = `usage: redemption backup --out <file> [--schema <name>]...
  Dumps the service schemas of DATABASE_URL (kernel and every service's; --schema: only the
  ones named, repeatable) into <file> with pg_dump (custom format, compressed), from one
  consistent snapshot while the platform runs. Needs PostgreSQL and pg_dump of the server's
  major version on PATH; the embedded database (DATA_DIR) is backed up by copying its
  directory while the platform is stopped.`;

export const restoreUsage = `usage: redemption restore --in <file> [--schema <name>]... [--clean]
  Restores a backup made by redemption backup into DATABASE_URL with pg_restore, in one
  transaction (all or nothing). Into a database without those schemas (a fresh one), or with
  --clean, which drops each restored schema's objects first (stop the platform before).
  --schema: only the schemas named (repeatable). Then run: redemption ledger verify --full`;

const schemaOption = { schema: { type: 'string', multiple: true } } as const;
const schemaNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

function namedSchemas(raw: unknown, usage: string): string[] {
  const names = (raw as string[] | undefined) ?? [];
  for (const n of names)
    if (!schemaNamePattern.test(n))
      throw new UsageError(`--schema "${n}" is not a schema name`, usage);
  return names;
}

function postgresUrl(config: PlatformConfig, what: string): string {
  if (config.databaseUrl) return config.databaseUrl;
  throw new CommandFailed(
    `${what} needs PostgreSQL (DATABASE_URL); the embedded database in ${config.dataDir} is backed up by copying that directory while the platform is stopped`,
  );
}

/** Every service schema: the kernel's (outbox, offsets, idempotency) and each module's. */
export const serviceSchemas = (modules: readonly ServiceModule[]): string[] => [
  'kernel',
  ...modules.map((m) => m.migrations.schema),
];

export async function backupCommand(
  args: readonly string[],
  modules: readonly ServiceModule[],
  out: NodeJS.WritableStream,
): Promise<void> {
  const options = { out: { type: 'string' }, ...schemaOption } as const;
  const { values } = parseCommandArgs(args, options, backupUsage);
  const file = values['out'];
  if (typeof file !== 'string') throw new UsageError('backup needs --out <file>', backupUsage);
  const named = namedSchemas(values['schema'], backupUsage);
  const url = postgresUrl(loadPlatformConfig(process.env, modules), 'backup');
  const schemas = named.length ? named : serviceSchemas(modules);
  const started = Date.now();
  // Named schemas must all exist (--strict-names); the default list skips a service not migrated.
  await runPgTool(
    'pg_dump',
    [
      '--format=custom',
      `--file=${file}`,
      ...(named.length ? ['--strict-names'] : []),
      ...schemas.flatMap((s) => ['--schema', s]),
    ],
    url,
  );
  const { schemas: dumped, tables } = await archiveContents(file);
  out.write(
    `backed up ${tables} tables of ${dumped.join(', ')} from ${maskedUrl(url)} into ${file} ` +
      `(${statSync(file).size} bytes) in ${Date.now() - started} ms\n`,
  );
}

async function withDb<T>(config: PlatformConfig, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await createDb({
    databaseUrl: postgresUrl(config, 'restore'),
    dataDir: config.dataDir,
    poolMax: 1,
    applicationName: 'redemption restore',
  });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The schemas of `wanted` that already exist in the target database. */
const existingSchemas = (config: PlatformConfig, wanted: readonly string[]): Promise<string[]> =>
  withDb(config, async (db) => {
    const { rows } = await db.query<{ n: string }>(
      'SELECT nspname AS n FROM pg_namespace WHERE nspname = ANY($1::text[]) ORDER BY 1',
      [wanted],
    );
    return rows.map((r) => r.n);
  });

/** Names checked against schemaNamePattern, so quoting is not needed. */
const createSchemas = (config: PlatformConfig, names: readonly string[]): Promise<void> =>
  withDb(config, async (db) => {
    for (const n of names) await db.exec(`CREATE SCHEMA IF NOT EXISTS ${n}`);
  });

export async function restoreCommand(
  args: readonly string[],
  modules: readonly ServiceModule[],
  out: NodeJS.WritableStream,
): Promise<void> {
  const options = { in: { type: 'string' }, clean: { type: 'boolean' }, ...schemaOption } as const;
  const { values } = parseCommandArgs(args, options, restoreUsage);
  const file = values['in'];
  if (typeof file !== 'string') throw new UsageError('restore needs --in <file>', restoreUsage);
  const named = namedSchemas(values['schema'], restoreUsage);
  const clean = values['clean'] === true;
  const config = loadPlatformConfig(process.env, modules);
  const url = postgresUrl(config, 'restore');
  const archive = await archiveContents(file);
  const missing = named.filter((s) => !archive.schemas.includes(s));
  if (missing.length)
    throw new CommandFailed(
      `${file} holds no schema ${missing.join(', ')} (it holds ${archive.schemas.join(', ')})`,
    );
  const schemas = named.length ? named : archive.schemas;
  const present = await existingSchemas(config, schemas);
  if (present.length && !clean)
    throw new CommandFailed(
      `${maskedUrl(url)} already has ${present.join(', ')}: restore into a fresh database, or pass --clean to replace them (stop the platform first)`,
    );
  const started = Date.now();
  // pg_restore --schema restores what is in a schema, not the schema itself: create it first.
  if (named.length)
    await createSchemas(
      config,
      named.filter((s) => !present.includes(s)),
    );
  await runPgTool(
    'pg_restore',
    [
      '--single-transaction',
      '--exit-on-error',
      '--no-owner',
      '--no-acl',
      ...(clean ? ['--clean', '--if-exists'] : []),
      ...named.flatMap((s) => ['--schema', s]),
      file,
    ],
    url,
  );
  const burned = await withDb(config, (db) =>
    alignTransactionIds(db, schemas, (line) => void out.write(`${line}\n`)),
  );
  const aligned = burned ? `; transaction counter advanced by ${burned}` : '';
  out.write(
    `restored ${schemas.join(', ')} from ${file} into ${maskedUrl(url)} in ${Date.now() - started} ms${aligned}\n` +
      'next: redemption ledger verify --full (the ledger checks on the restored data)\n',
  );
}
