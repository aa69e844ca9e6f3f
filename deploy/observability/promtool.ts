/** Running Debian's promtool (package `prometheus`) from the checks and `npm run observe`. */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const observabilityDir = fileURLToPath(new URL('.', import.meta.url));
const promtoolTimeoutMs = 120_000;

const exists = (cmd: string): boolean =>
  spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/**
 * Whether promtool is there. Missing: a skip with a printed reason, except with
 * REQUIRE_SERVICES=1 or CI=true, where that is an error (CI installs it, see .ci/run).
 */
export function promtoolGate(): { ok: boolean; reason: string } {
  if (exists('promtool')) return { ok: true, reason: '' };
  const what = 'promtool is missing (Debian: apt-get install prometheus)';
  if (process.env['CI'] === 'true' || process.env['REQUIRE_SERVICES'] === '1')
    throw new Error(`${what}: the rule checks may not skip in CI`);
  const reason = `skipping the promtool checks: ${what}`;
  console.warn(reason);
  return { ok: false, reason };
}

/** promtool's exit status and output (stdout and stderr together), run in deploy/observability. */
export function promtool(args: string[], stdin?: string): { status: number; output: string } {
  const r = spawnSync('promtool', args, {
    cwd: observabilityDir,
    encoding: 'utf8',
    timeout: promtoolTimeoutMs,
    input: stdin,
  });
  return { status: r.status ?? -1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export const promtoolVersion = (): string =>
  execFileSync('promtool', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
