import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb } from '@redemption/kernel';

const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'redemption-admin-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** `redemption admin create <args>` on the embedded database in `dataDir`, `stdin` piped in. */
function adminCreate(args: string[], stdin = '') {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = execFile(
      process.execPath,
      [cli, 'admin', 'create', ...args],
      {
        env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
        timeout: 60_000,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

async function admins(): Promise<Array<{ email: string; username: string }>> {
  const db = await createDb({ dataDir, poolMax: 1 });
  try {
    const { rows } = await db.query<{ email: string; username: string }>(
      "SELECT email, username FROM identity.users WHERE role = 'admin' ORDER BY email",
    );
    return rows;
  } finally {
    await db.close();
  }
}

/** Each case starts a process that opens the embedded database (seconds on a busy machine). */
const caseTimeoutMs = 120_000;

describe('redemption admin create', { timeout: caseTimeoutMs }, () => {
  const password = 'a long admin passphrase\n';

  it('creates an admin (password on stdin), then says it exists and changes nothing', async () => {
    const first = await adminCreate(['--email', 'ops@example.com', '--password-stdin'], password);
    expect(first, first.stderr).toMatchObject({
      code: 0,
      stdout: 'admin ops@example.com created (username ops)\n',
    });
    const again = await adminCreate(['--email', 'ops@example.com', '--password-stdin'], password);
    expect(again).toMatchObject({
      code: 0,
      stdout: 'admin ops@example.com already exists; nothing changed\n',
    });
    expect(await admins()).toEqual([{ email: 'ops@example.com', username: 'ops' }]);
  });

  it('refuses a weak password, saying why, and creates nothing', async () => {
    const r = await adminCreate(
      ['--email', 'weak@example.com', '--username', 'weakling', '--password-stdin'],
      'short\n',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('redemption: password must be at least 12 characters');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect((await admins()).map((a) => a.email)).not.toContain('weak@example.com');
  });

  it("refuses a member's e-mail: an admin is never made by promoting a member", async () => {
    const seeded = await new Promise<number>((resolve) =>
      execFile(
        process.execPath,
        [cli, 'seed'],
        { env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, LOG_LEVEL: 'silent' } },
        (err) => resolve(err ? 1 : 0),
      ),
    ); // the embedded database gets the demo members, alice among them
    expect(seeded).toBe(0);
    const r = await adminCreate(['--email', 'alice@example.com', '--password-stdin'], password);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('alice@example.com belongs to a member');
  });

  it('will not ask for a password where it cannot hide it (no terminal): usage, exit 2', async () => {
    const r = await adminCreate(['--email', 'xavier@example.com']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'no terminal to ask for the password: give it with --password-stdin',
    );
    expect(r.stderr).toContain('usage: redemption admin create');
  });
});
