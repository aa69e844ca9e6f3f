import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable, platformConfigGroups } from '@redemption/kernel';
import { allModules } from './modules.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** A Markdown table's rows as trimmed cells, whatever its padding (prettier pads the README's). */
const rows = (table: string): string[][] =>
  table
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[\s|:-]+\|$/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim()),
    );

/** The first table after the `## Configuration` heading. */
function readmeConfigTable(): string {
  const section = readme.split(/^## Configuration$/m)[1] ?? '';
  const lines = section.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start, end).join('\n');
}

describe('README', () => {
  it('its configuration table is the one the code renders (every variable of every service)', () => {
    expect(
      rows(readmeConfigTable()),
      'README.md is out of date: paste `npm run redemption -- config --table` under ' +
        '"## Configuration", then `npx prettier --write README.md`',
    ).toEqual(rows(configTable(platformConfigGroups(allModules))));
  });
});
