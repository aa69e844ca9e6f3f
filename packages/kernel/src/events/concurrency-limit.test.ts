import { describe, expect, it } from 'vitest';
import { createConcurrencyLimit, limitOf } from './concurrency-limit.ts';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('concurrency limit', () => {
  it('runs at most max at once, the rest in arrival order, and frees a slot when one throws', async () => {
    const limit = createConcurrencyLimit(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const gates: Array<() => void> = [];
    const job = (i: number) =>
      limit.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise<void>((r) => gates.push(r));
        running--;
        if (i === 0) throw new Error('boom');
        return i;
      });
    const all = [0, 1, 2, 3].map((i) => job(i).catch((e: Error) => e.message));
    await tick();
    expect(order).toEqual([0, 1]);
    gates.shift()!(); // 0 ends by throwing: 2 starts
    await tick();
    expect(order).toEqual([0, 1, 2]);
    while (gates.length) {
      gates.shift()!();
      await tick();
    }
    expect(await Promise.all(all)).toEqual(['boom', 1, 2, 3]);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('refuses a limit below 1, and gives a subscription one shared limit or none', () => {
    expect(() => createConcurrencyLimit(0)).toThrow(/>= 1/);
    const sub = { concurrencyMax: 1 };
    expect(limitOf(sub)).toBe(limitOf(sub));
    expect(limitOf({})).toBeUndefined();
  });
});
