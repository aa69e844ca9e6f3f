// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClaimButton, type ClaimResponse } from './claim-button.tsx';

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const problem = (status: number, slug: string, detail = slug) => ({
  status,
  body: { type: `/problems/${slug}`, title: slug, status, detail },
});
const button = () => screen.getByRole('button') as HTMLButtonElement;
const status = () => screen.getByRole('status').textContent ?? '';

function setup(
  answers: Array<ClaimResponse | Error>,
  polls: Array<ClaimResponse | undefined> = [],
) {
  const keys: string[] = [];
  let n = 0;
  const submit = vi.fn(async (key: string) => {
    keys.push(key);
    const a = answers[Math.min(n++, answers.length - 1)]!;
    if (a instanceof Error) throw a;
    return a;
  });
  const poll = vi.fn(async () => polls.shift());
  let k = 0;
  render(
    <ClaimButton
      pointsPrice={900}
      open
      submit={submit}
      poll={poll}
      newKey={() => `key-${++k}`}
      pollEveryMs={500}
    />,
  );
  return { submit, poll, keys };
}

/** Clicks and lets the submit promise settle. */
async function click(): Promise<void> {
  await act(async () => {
    fireEvent.click(button());
  });
}

describe('ClaimButton', () => {
  it('shows the price and claims once: disabled while in flight, so a double click sends one request', async () => {
    let release!: (r: ClaimResponse) => void;
    const submit = vi.fn(() => new Promise<ClaimResponse>((r) => (release = r)));
    render(<ClaimButton pointsPrice={900} open submit={submit} poll={vi.fn()} />);
    expect(button().textContent).toBe('Claim for 900 pts');
    await act(async () => {
      fireEvent.click(button());
      fireEvent.click(button());
    });
    expect(button().disabled).toBe(true);
    expect(submit).toHaveBeenCalledTimes(1);
    await act(async () => release({ status: 201, body: { remaining: 3 } }));
    expect(status()).toMatch(/You got it/);
  });

  it('429: waits Retry-After, says so, then retries with the SAME Idempotency-Key', async () => {
    const { submit, keys } = setup([
      { status: 429, body: {}, retryAfterS: 2 },
      { status: 201, body: {} },
    ]);
    await click();
    expect(status()).toMatch(/Trying again in 2 s/);
    expect(button().disabled).toBe(true);
    await act(async () => vi.advanceTimersByTime(1_000));
    expect(status()).toMatch(/Trying again in 1 s/);
    await act(async () => vi.advanceTimersByTime(1_000));
    expect(submit).toHaveBeenCalledTimes(2);
    expect(keys).toEqual(['key-1', 'key-1']);
    expect(status()).toMatch(/You got it/);
  });

  it('202: pending, then the queued result', async () => {
    const { poll } = setup(
      [{ status: 202, body: { id: 'op-1', status: 'pending' } }],
      [undefined, { status: 201, body: {} }],
    );
    await click();
    expect(status()).toMatch(/in the queue/);
    await act(async () => vi.advanceTimersByTime(500));
    expect(status()).toMatch(/in the queue/);
    await act(async () => vi.advanceTimersByTime(500));
    expect(poll).toHaveBeenCalledWith('op-1');
    expect(status()).toMatch(/You got it/);
  });

  it('202 that ends sold out reads as sold out', async () => {
    setup([{ status: 202, body: { id: 'op-2' } }], [problem(410, 'sold-out')]);
    await click();
    await act(async () => vi.advanceTimersByTime(500));
    expect(status()).toMatch(/Sold out/);
    expect(button().disabled).toBe(true);
  });

  it('409 member limit: says the limit is reached and stops', async () => {
    setup([problem(409, 'member-limit-reached')]);
    await click();
    expect(status()).toMatch(/claimed as many as one member may/);
    expect(button().textContent).toBe('Limit reached');
    expect(button().disabled).toBe(true);
  });

  it('410 sold out: says sold out and stops', async () => {
    setup([problem(410, 'sold-out')]);
    await click();
    expect(status()).toMatch(/Sold out/);
    expect(button().disabled).toBe(true);
  });

  it('422 not enough points: a sentence, and a later claim is a new intent (new key)', async () => {
    const { keys } = setup([problem(422, 'insufficient-points'), { status: 201, body: {} }]);
    await click();
    expect(status()).toBe('You do not have enough points for this.');
    await click();
    expect(keys).toEqual(['key-1', 'key-2']);
  });

  it('a network failure keeps the key: "try again" repeats the same intent', async () => {
    const { keys } = setup([new Error('offline'), { status: 201, body: {} }]);
    await click();
    expect(status()).toMatch(/could not reach the server/);
    expect(button().textContent).toBe('Try again');
    await click();
    expect(keys).toEqual(['key-1', 'key-1']);
    expect(status()).toMatch(/You got it/);
  });

  it('is disabled before the drop opens', () => {
    render(<ClaimButton pointsPrice={900} open={false} submit={vi.fn()} poll={vi.fn()} />);
    expect(button().disabled).toBe(true);
  });
});
