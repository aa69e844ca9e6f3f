import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Screenshots go to docs/screenshots (the README's) with UPDATE_SCREENSHOTS=1, else to
 * .tmp/screenshots, so an ordinary test run leaves the working tree alone.
 */
export const screenshotDir =
  process.env['UPDATE_SCREENSHOTS'] === '1'
    ? `${repoRoot}docs/screenshots`
    : `${repoRoot}.tmp/screenshots`;

export interface AxeViolation {
  page: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** axe-core's serious and critical violations on the page as it is now (none is the bar). */
export async function seriousViolations(page: Page, name: string): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.addScriptTag({ content: axeSource });
  const results = (await page.evaluate(() =>
    (window as unknown as { axe: { run(o: unknown): Promise<unknown> } }).axe.run({
      resultTypes: ['violations'],
    }),
  )) as {
    violations: Array<{
      id: string;
      impact: string;
      help: string;
      nodes: Array<{ target: string[] }>;
    }>;
  };
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      page: name,
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
}

/** Nothing wider than the viewport (a 375 px phone scrolls down, never sideways). */
export const horizontalOverflowPx = (page: Page): Promise<number> =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}/${name}.png`, fullPage: true });
}
