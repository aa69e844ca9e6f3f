/**
 * pg_dump and pg_restore as child processes: the password goes in PGPASSWORD, never on the
 * command line (ps would show it); a missing binary or a failed run is a CommandFailed with the
 * tool's own last lines, the URL masked.
 */
import { spawn } from 'node:child_process';
import { maskedUrl } from '@redemption/kernel';
import { CommandFailed } from './cli-args.ts';

/** How much of a failed tool's stderr the message keeps. */
const stderrTailChars = 2_000;

export type PgTool = 'pg_dump' | 'pg_restore';

/** `url` without its password, and the password for PGPASSWORD (libpq reads both). */
export function connectionOf(url: string): { dbname: string; env: Record<string, string> } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: password ? { PGPASSWORD: password } : {} };
}

/** Runs `tool` with `args`; resolves with its stdout, rejects with a CommandFailed. */
export function runPgTool(
  tool: PgTool,
  args: readonly string[],
  url: string,
  extraEnv: Record<string, string> = {},
): Promise<string> {
  const { dbname, env } = connectionOf(url);
  return new Promise((resolve, reject) => {
    const child = spawn(tool, [`--dbname=${dbname}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env, ...extraEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-stderrTailChars);
    });
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new CommandFailed(
              `${tool} is not on PATH: install the PostgreSQL client of the server's major version (Debian: postgresql-client-15)`,
            )
          : err,
      ),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(stdout);
      const why = signal ? `was killed by ${signal}` : `exited with ${code}`;
      reject(
        new CommandFailed(
          `${tool} ${why} on ${maskedUrl(url)}:\n${stderr.trim().replaceAll(dbname, maskedUrl(url))}`,
        ),
      );
    });
  });
}

/** Runs `pg_restore --list` on an archive file: the schemas it holds and its table count. */
export async function archiveContents(
  file: string,
): Promise<{ schemas: string[]; tables: number }> {
  const list = await new Promise<string>((resolve, reject) => {
    const child = spawn('pg_restore', ['--list', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new CommandFailed('pg_restore is not on PATH') : e),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new CommandFailed(`${file} is not a backup pg_restore can read: ${err.trim()}`)),
    );
  });
  const schemas = [...list.matchAll(/^\d+; \d+ \d+ SCHEMA - (\S+) /gm)].map((m) => m[1]!);
  const tables = [...list.matchAll(/^\d+; \d+ \d+ TABLE DATA /gm)].length;
  return { schemas, tables };
}
