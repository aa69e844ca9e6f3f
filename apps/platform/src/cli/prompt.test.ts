import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askSecret, readFirstLine, type PromptIo } from './prompt.ts';

/** A fake terminal: what is typed goes in `input`; what the terminal shows collects in `shown`. */
function terminal() {
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
    setRawMode(raw: boolean) {
      input.rawModes.push(raw);
      return input;
    },
  });
  const output = new PassThrough();
  let shown = '';
  output.on('data', (c: Buffer) => (shown += c.toString()));
  const io: PromptIo = { input, output };
  return { io, input, shown: () => shown };
}

describe('askSecret', () => {
  it('reads a password without echoing any of it, in raw mode, then restores the terminal', async () => {
    const t = terminal();
    const answer = askSecret('password (not shown): ', t.io);
    t.input.write('correct horse');
    t.input.write(' battery staplx\u007fe\r');
    expect(await answer).toBe('correct horse battery staple');
    expect(t.shown()).toBe('password (not shown): \n');
    expect(t.input.rawModes).toEqual([true, false]);
  });

  it('is cancelled by Ctrl-C', async () => {
    const t = terminal();
    const answer = askSecret('password: ', t.io);
    t.input.write('abc\u0003');
    await expect(answer).rejects.toThrow('cancelled');
    expect(t.input.rawModes).toEqual([true, false]);
  });

  it('refuses to ask where there is no terminal (it would echo)', () => {
    const io: PromptIo = { input: new PassThrough(), output: new PassThrough() };
    expect(() => askSecret('password: ', io)).toThrow(/--password-stdin/);
  });
});

describe('readFirstLine', () => {
  it('takes the first line of stdin (--password-stdin)', async () => {
    const input = new PassThrough();
    input.end('a long passphrase\nignored\n');
    expect(await readFirstLine(input)).toBe('a long passphrase');
  });
});
