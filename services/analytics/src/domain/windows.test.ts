import { describe, expect, it } from 'vitest';
import { accepting, advance, hasFired, isFinal } from './watermark.ts';
import {
  crossesBoundary,
  floorTo,
  specOf,
  windowKey,
  windowsEndingIn,
  windowsOf,
} from './windows.ts';

const at = (iso: string): number => Date.parse(iso);
const min = 60_000;
const policy = { outOfOrdernessMs: 5_000, allowedLatenessMs: 2 * min };

describe('window assignment', () => {
  it('puts an instant in one tumbling, five sliding and one day window', () => {
    const t = at('2026-12-01T10:07:30.000Z');
    const ws = windowsOf(t).map((w) => `${windowKey(w)} -> ${new Date(w.end).toISOString()}`);
    expect(ws).toEqual([
      'tumbling_5m/2026-12-01T10:05:00.000Z -> 2026-12-01T10:10:00.000Z',
      'sliding_5m/2026-12-01T10:07:00.000Z -> 2026-12-01T10:12:00.000Z',
      'sliding_5m/2026-12-01T10:06:00.000Z -> 2026-12-01T10:11:00.000Z',
      'sliding_5m/2026-12-01T10:05:00.000Z -> 2026-12-01T10:10:00.000Z',
      'sliding_5m/2026-12-01T10:04:00.000Z -> 2026-12-01T10:09:00.000Z',
      'sliding_5m/2026-12-01T10:03:00.000Z -> 2026-12-01T10:08:00.000Z',
      'day/2026-12-01T00:00:00.000Z -> 2026-12-02T00:00:00.000Z',
    ]);
  });

  it('treats a boundary instant as the start of the next window (start inclusive, end exclusive)', () => {
    const t = at('2026-12-01T10:05:00.000Z');
    const tumbling = windowsOf(t).filter((w) => w.kind === 'tumbling_5m');
    expect(tumbling.map(windowKey)).toEqual(['tumbling_5m/2026-12-01T10:05:00.000Z']);
    expect(windowsOf(t).filter((w) => w.kind === 'sliding_5m')).toHaveLength(5);
  });

  it('rounds down before 1970 too', () => {
    expect(floorTo(-1, min)).toBe(-min);
    expect(floorTo(-min, min)).toBe(-min);
  });

  it('finds the windows with data that a watermark move fires', () => {
    const spec = specOf('sliding_5m');
    const panes = [at('2026-12-01T10:00:00.000Z'), at('2026-12-01T10:03:00.000Z')];
    const fired = windowsEndingIn(
      spec,
      panes,
      at('2026-12-01T10:04:30.000Z'),
      at('2026-12-01T10:06:10.000Z'),
    );
    expect(fired.map(windowKey)).toEqual([
      'sliding_5m/2026-12-01T10:00:00.000Z',
      'sliding_5m/2026-12-01T10:01:00.000Z',
    ]);
    expect(
      crossesBoundary(spec, at('2026-12-01T10:04:01.000Z'), at('2026-12-01T10:04:59.000Z')),
    ).toBe(false);
    expect(
      crossesBoundary(spec, at('2026-12-01T10:04:59.000Z'), at('2026-12-01T10:05:00.000Z')),
    ).toBe(true);
  });
});

describe('watermark and lateness', () => {
  const w = {
    kind: 'tumbling_5m' as const,
    start: at('2026-12-01T10:00:00Z'),
    end: at('2026-12-01T10:05:00Z'),
  };

  it('trails the largest event time by the out-of-orderness bound and never moves back', () => {
    const w1 = advance(null, at('2026-12-01T10:05:10Z'), policy);
    expect(new Date(w1).toISOString()).toBe('2026-12-01T10:05:05.000Z');
    expect(advance(w1, at('2026-12-01T10:01:00Z'), policy)).toBe(w1);
  });

  it('fires a window once the watermark passes its end, and makes it final after the allowed lateness', () => {
    expect(hasFired(w, at('2026-12-01T10:04:59Z'))).toBe(false);
    expect(hasFired(w, at('2026-12-01T10:05:00Z'))).toBe(true);
    expect(isFinal(w, at('2026-12-01T10:06:59Z'), policy)).toBe(false);
    expect(isFinal(w, at('2026-12-01T10:07:00Z'), policy)).toBe(true);
    expect(isFinal(w, null, policy)).toBe(false);
  });

  it('counts a late event only in the windows that are not final yet', () => {
    // Watermark 10:06:30: windows ending by 10:04:30 are final; a 10:01:30 event still counts in
    // the tumbling window [10:00, 10:05) and the sliding ones ending 10:05 and 10:06.
    const ws = accepting(windowsOf(at('2026-12-01T10:01:30Z')), at('2026-12-01T10:06:30Z'), policy);
    expect(ws.map(windowKey)).toEqual([
      'tumbling_5m/2026-12-01T10:00:00.000Z',
      'sliding_5m/2026-12-01T10:01:00.000Z',
      'sliding_5m/2026-12-01T10:00:00.000Z',
      'day/2026-12-01T00:00:00.000Z',
    ]);
  });
});
