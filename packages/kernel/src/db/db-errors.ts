import { createHash } from 'node:crypto';

/** Hex digits of the SQL text's SHA-256 kept in a statement's identity: enough to tell apart. */
const statementHashChars = 12;
/** Properties drivers attach to errors that hold the statement's values or its full text. */
const valueCarryingKeys = ['params', 'query', 'queryOptions'] as const;

/**
 * A statement's identity for logs: its verb, the table it works on and a short hash of its text,
 * e.g. `INSERT INTO identity.users #3f9a0c1b2d4e`. Never its parameters: those are members'
 * names, addresses, password hashes and card tokens.
 */
export function statementIdentity(sql: string): string {
  const text = sql.trim();
  const verb = (/^[A-Za-z]+/.exec(text)?.[0] ?? '?').toUpperCase();
  const target = /\b(INTO|UPDATE|FROM)\s+([A-Za-z_][\w.]*)/i.exec(text);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, statementHashChars);
  const keyword = target?.[1]?.toUpperCase();
  const on = !target ? '' : keyword === verb ? ` ${target[2]}` : ` ${keyword} ${target[2]}`;
  return `${verb}${on} #${hash}`;
}

/**
 * Marks a driver error with the failed statement's identity and strips what carries its values
 * (PGlite attaches `params` and `query`), so whoever logs the error cannot leak them.
 */
export function annotateDbError(err: unknown, sql: string): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as Record<string, unknown>;
  for (const key of valueCarryingKeys) delete e[key];
  e['statement'] ??= statementIdentity(sql);
  return err;
}
