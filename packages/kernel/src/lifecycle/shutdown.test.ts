import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installShutdown, type ShutdownOptions } from './shutdown.ts';

const signals = ['SIGTERM', 'SIGINT'] as const;
type SignalListener = (signal: NodeJS.Signals) => void;
const listenersOf = (s: NodeJS.Signals): SignalListener[] => process.listeners(s);

/** A shutdown with recorded steps and exit codes; resolves `exited` on the first exit. */
function setup(steps: ShutdownOptions['steps'], timeoutMs = 5_000) {
  const codes: number[] = [];
  const { promise: exited, resolve } = Promise.withResolvers<number>();
  const trigger = installShutdown({
    log: pino({ level: 'silent' }),
    timeoutMs,
    steps,
    exit: (code) => {
      codes.push(code);
      resolve(code);
    },
  });
  return { trigger, codes, exited };
}

const step = (name: string, log: string[], run?: () => Promise<void>) => ({
  name,
  run: async () => {
    log.push(`${name}:start`);
    await run?.();
    log.push(`${name}:end`);
  },
});

describe('installShutdown', () => {
  // installShutdown adds process signal listeners; remove ours so tests do not leak them.
  let before: Map<string, SignalListener[]>;
  beforeEach(() => {
    before = new Map(signals.map((s) => [s, listenersOf(s)]));
  });
  afterEach(() => {
    for (const s of signals) {
      for (const l of listenersOf(s)) {
        if (!before.get(s)?.includes(l)) process.removeListener(s, l);
      }
    }
  });

  it('runs the steps one after another, in order, then exits 0', async () => {
    const log: string[] = [];
    const tick = () => new Promise<void>((r) => setTimeout(r, 5));
    const { trigger, codes } = setup([step('http', log, tick), step('pools', log, tick)]);
    await trigger();
    expect(log).toEqual(['http:start', 'http:end', 'pools:start', 'pools:end']);
    expect(codes).toEqual([0]);
  });

  it('still runs later steps when one fails, then exits 1', async () => {
    const log: string[] = [];
    const fail = async () => {
      throw new Error('consumer would not stop');
    };
    const { trigger, codes } = setup([step('consumers', log, fail), step('pools', log)]);
    await trigger();
    expect(log).toEqual(['consumers:start', 'pools:start', 'pools:end']);
    expect(codes).toEqual([1]);
  });

  it('runs the steps once when triggered twice', async () => {
    const log: string[] = [];
    const { trigger, codes } = setup([step('http', log)]);
    const first = trigger();
    const second = trigger();
    await Promise.all([first, second]);
    await trigger();
    expect(log).toEqual(['http:start', 'http:end']);
    expect(codes).toEqual([0]);
  });

  it('exits 1 when the steps do not finish in time', async () => {
    const hang = () => new Promise<void>(() => undefined);
    const { trigger, exited } = setup([{ name: 'stuck', run: hang }], 20);
    void trigger();
    expect(await exited).toBe(1);
  });

  it('starts the same single shutdown from SIGTERM or SIGINT', async () => {
    const log: string[] = [];
    const { codes, exited } = setup([step('http', log)]);
    // Call the installed handlers directly rather than signalling the test process.
    const handlers = signals.map((s) => listenersOf(s).filter((l) => !before.get(s)?.includes(l)));
    expect(handlers.map((h) => h.length)).toEqual([1, 1]);
    handlers[0]?.[0]?.('SIGTERM');
    handlers[1]?.[0]?.('SIGINT');
    expect(await exited).toBe(0);
    expect(log).toEqual(['http:start', 'http:end']);
    expect(codes).toEqual([0]);
  });
});
