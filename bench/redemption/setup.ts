/** Bench data: member accounts (SQL), their points (the earn API), drops (the admin API). */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { LoadPool, Merged } from './load-pool.ts';
import type { MembersFile } from './load-types.ts';
import { withPg } from './machine.ts';
import type { Signer } from './service.ts';

const dropOpenForMs = 3_600_000;
const setupConcurrency = 256;
const setupMaxMs = 300_000;

export interface Members {
  file: string;
  ids: string[];
  adminToken: string;
}

/** Member ids and their tokens, written to `file` for the load generators. */
export async function makeMembers(signer: Signer, count: number, file: string): Promise<Members> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const tokens: string[] = [];
  for (const id of ids) tokens.push(await signer.sign(id, 'member'));
  const adminToken = await signer.sign(randomUUID(), 'admin');
  writeFileSync(file, JSON.stringify({ ids, tokens, adminToken } satisfies MembersFile));
  return { file, ids, adminToken };
}

/** Opens the accounts as identity's member_registered handler would (one row each). */
export async function openAccounts(databaseUrl: string, ids: string[]): Promise<void> {
  await withPg(databaseUrl, (c) =>
    c.query(
      "INSERT INTO loyalty.accounts (id, kind) SELECT unnest($1::text[]), 'member' ON CONFLICT (id) DO NOTHING",
      [ids],
    ),
  );
}

/** Credits every member `points` through POST /api/loyalty/earn (one request each). */
export function earnAll(
  pool: LoadPool,
  baseUrl: string,
  count: number,
  points: number,
): Promise<Merged> {
  return pool.run({
    baseUrl,
    kind: 'earn',
    earnPoints: points,
    from: 0,
    to: count,
    cycle: false,
    mode: 'closed',
    concurrency: setupConcurrency,
    durationMs: setupMaxMs,
    requestsMax: count,
    expected: [201],
  });
}

export interface DropSpec {
  name: string;
  quantity: number;
  perMemberLimit: number;
  pointsPrice: number;
}

export async function createDrop(
  baseUrl: string,
  adminToken: string,
  d: DropSpec,
): Promise<string> {
  const res = await fetch(`${baseUrl}/api/loyalty/drops`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: d.name,
      points_price: d.pointsPrice,
      quantity: d.quantity,
      per_member_limit: d.perMemberLimit,
      opens_at: new Date(Date.now() - 1_000).toISOString(),
      closes_at: new Date(Date.now() + dropOpenForMs).toISOString(),
    }),
  });
  const body = (await res.json()) as { id?: string };
  if (res.status !== 201 || !body.id)
    throw new Error(`creating drop ${d.name}: ${res.status} ${JSON.stringify(body)}`);
  return body.id;
}
