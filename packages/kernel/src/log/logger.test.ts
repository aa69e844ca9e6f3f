import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormatFor } from './logger.ts';

/** Lines a logger of `format` writes for one record. */
function written(format: 'pretty' | 'json'): string {
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  const log = createLogger('info', 'platform', { format, destination });
  log
    .child({ module: 'loyalty' })
    .info({ user: { password: 'hunter2 hunter2' }, n: 3 }, 'points earned');
  return out;
}

describe('log format', () => {
  it('is pretty for a terminal and JSON for anything else', () => {
    expect(logFormatFor({ isTTY: true })).toBe('pretty');
    expect(logFormatFor({ isTTY: false })).toBe('json');
    expect(logFormatFor({})).toBe('json'); // a pipe or a file: no isTTY at all
  });

  it('pretty: one readable line with the level, module and message, secrets still redacted', () => {
    const line = written('pretty');
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: loyalty: points earned /);
    expect(line).not.toContain('hunter2');
    expect(line.trim().split('\n')).toHaveLength(1);
  });

  it('json: one JSON object per line, as collectors and tools expect', () => {
    const record = JSON.parse(written('json')) as Record<string, unknown>;
    expect(record).toMatchObject({
      level: 'info',
      service: 'platform',
      module: 'loyalty',
      msg: 'points earned',
      user: { password: '[redacted]' },
    });
  });
});
