import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { postgresGate } from '@redemption/kernel/testing';

const gate = postgresGate();
const harness = fileURLToPath(
  new URL('../../../../tools/verify-ledger/verify-ledger.ts', import.meta.url),
);
/** A killed request's idempotency lease (60 s) is waited out, so this takes a minute or two. */
const harnessTimeoutMs = 240_000;
const args = [
  '--ops',
  '600',
  '--processes',
  '2',
  '--kills',
  '1',
  '--members',
  '20',
  '--seed',
  '42',
];

/** Runs the correctness harness as a child process; resolves with its exit code and output. */
function runHarness(databaseUrl: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [harness, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe.skipIf(!gate.url)('verify:ledger (distributed, real PostgreSQL, kill -9)', () => {
  it(
    'keeps every ledger invariant under duplicates, retries and a killed process',
    async () => {
      const { code, output } = await runHarness(gate.url!);
      expect(output, output).toContain('PASS: all');
      expect(code, output).toBe(0);
    },
    harnessTimeoutMs,
  );
});
