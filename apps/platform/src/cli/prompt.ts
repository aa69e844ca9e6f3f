import { createInterface } from 'node:readline/promises';
import { UsageError } from './cli-args.ts';

/** A terminal to ask on (process.stdin / process.stderr, or fakes in tests). */
export interface PromptIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  output: NodeJS.WritableStream;
}

const enter = new Set(['\r', '\n']);
const backspace = new Set(['\u007f', '\b']);
const interrupt = '\u0003'; // Ctrl-C
const endOfInput = '\u0004'; // Ctrl-D

/** Asks `question` and reads one line, echoed as typed. */
export async function ask(question: string, io: PromptIo): Promise<string> {
  const rl = createInterface({ input: io.input, output: io.output, terminal: false });
  try {
    io.output.write(question);
    return (await rl.question('')).trim();
  } finally {
    rl.close();
  }
}

/**
 * Asks `question` and reads a secret from a terminal without echoing it: the terminal is put in
 * raw mode, so what is typed is never written back (not even as stars, which give its length).
 * Backspace edits; Ctrl-C or Ctrl-D cancels.
 */
export function askSecret(question: string, io: PromptIo): Promise<string> {
  const { input, output } = io;
  if (!input.isTTY || !input.setRawMode)
    throw new UsageError('no terminal to ask for the password: give it with --password-stdin');
  output.write(question);
  input.setRawMode(true);
  input.resume();
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const finish = (done: () => void) => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      output.write('\n');
      done();
    };
    const onData = (chunk: Buffer | string) => {
      for (const c of chunk.toString('utf8')) {
        if (enter.has(c)) return finish(() => resolve(typed));
        if (c === interrupt || (c === endOfInput && typed === ''))
          return finish(() => reject(new UsageError('cancelled')));
        if (backspace.has(c)) typed = typed.slice(0, -1);
        else if (c >= ' ') typed += c;
      }
    };
    input.on('data', onData);
  });
}

/** The first line of everything on `input` (`--password-stdin`: a pipe, a file, a secret store). */
export async function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  let all = '';
  for await (const chunk of input) all += chunk.toString();
  return all.split(/\r?\n/)[0] ?? '';
}
