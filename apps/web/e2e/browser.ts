import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser. */
export const chromiumPath = '/usr/bin/chromium';
export const chromiumInstalled = (): boolean => existsSync(chromiumPath);

/**
 * The flags this machine needs: no sandbox (root in a container), no GPU, and none of the
 * background network calls a closed network refuses (updates, sync, QUIC, first-run pings).
 * Playwright gives every launch a new, empty profile directory of its own.
 */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });

/**
 * Like the kernel's service gates: without Chromium the browser tests skip with a printed
 * reason; with REQUIRE_SERVICES=1 (CI) a missing Chromium is a failure, never a skip.
 */
export function chromiumGate(): { ok: boolean; reason: string } {
  if (chromiumInstalled()) return { ok: true, reason: '' };
  if (process.env['REQUIRE_SERVICES'] === '1')
    throw new Error(
      `REQUIRE_SERVICES=1 but ${chromiumPath} is missing (apt-get install chromium): browser tests may not skip`,
    );
  const reason = `skipping browser tests: ${chromiumPath} is missing (apt-get install chromium)`;
  console.warn(reason);
  return { ok: false, reason };
}
