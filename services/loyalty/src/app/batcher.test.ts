import { describe, expect, it } from 'vitest';
import { createBatcher, QueueFullError } from './batcher.ts';

describe('batcher', () => {
  it('gathers concurrent submissions into bounded batches and answers each on its own', async () => {
    const sizes: number[] = [];
    const b = createBatcher<number, number>({
      batchMax: 4,
      batchWaitMs: 5,
      queueDepthMax: 100,
      apply: async (xs) => xs.map((x) => x * 2),
      onBatch: (n) => sizes.push(n),
    });
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x) => b.submit(x)));
    expect(results).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18, 20]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(sizes.reduce((a, n) => a + n, 0)).toBe(10);
    expect(sizes.length).toBeLessThan(10);
  });

  it('refuses at once when the queue is full', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const b = createBatcher<number, number>({
      batchMax: 1,
      batchWaitMs: 1,
      queueDepthMax: 2,
      apply: async (xs) => (await gate, [...xs]),
    });
    const first = b.submit(1); // running
    await new Promise((r) => setTimeout(r, 5));
    const queued = [b.submit(2), b.submit(3)];
    await expect(b.submit(4)).rejects.toBeInstanceOf(QueueFullError);
    release();
    expect(await Promise.all([first, ...queued])).toEqual([1, 2, 3]);
  });

  it('retries a failed batch item by item so one bad item fails alone', async () => {
    const b = createBatcher<number, number>({
      batchMax: 10,
      batchWaitMs: 5,
      queueDepthMax: 100,
      apply: async (xs) => {
        if (xs.includes(3)) throw new Error('bad item 3');
        return [...xs];
      },
    });
    const out = await Promise.allSettled([1, 2, 3, 4].map((x) => b.submit(x)));
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  });

  it('runs at most inFlightMax batches at once', async () => {
    let active = 0;
    let peak = 0;
    const b = createBatcher<number, number>({
      batchMax: 2,
      batchWaitMs: 1,
      queueDepthMax: 100,
      inFlightMax: 2,
      apply: async (xs) => {
        peak = Math.max(peak, ++active);
        await new Promise((r) => setTimeout(r, 20));
        active--;
        return [...xs];
      },
    });
    const out = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((x) => b.submit(x)));
    expect(out).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(peak).toBe(2);
    await b.drain();
  });
});
