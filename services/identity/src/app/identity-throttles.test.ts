import { MemoryRateLimiter, type Logger } from '@redemption/kernel';
import { describe, expect, it } from 'vitest';
import {
  createIdentityThrottles,
  emailChangesPerMemberPerHour,
  loginSlowdownDelayMaxMs,
} from './identity-throttles.ts';

const settings = {
  loginPerIpPerMin: 1000,
  loginPerIpAccountPer15Min: 3,
  loginSlowdownPerAccountPer15Min: 10,
  registerPerIpPerHour: 1000,
  resetPerIpPerHour: 1000,
  resetMailsPerEmailPerHour: 2,
};

function setUp() {
  const waits: number[] = [];
  const warnings: unknown[] = [];
  const log = { warn: (obj: unknown) => void warnings.push(obj) } as unknown as Logger;
  const throttles = createIdentityThrottles(new MemoryRateLimiter(), settings, log, async (ms) => {
    waits.push(ms);
  });
  return { throttles, waits, warnings };
}

describe('identity throttles', () => {
  it('only slows an account attacked from many IPs, never refuses its owner', async () => {
    const { throttles, waits, warnings } = setUp();
    for (let i = 0; i < 10; i++) await throttles.login(`10.0.0.${i}`, 'alice@example.com');
    expect(waits).toEqual([]);
    for (let i = 10; i < 40; i++) await throttles.login(`10.0.0.${i}`, 'alice@example.com');
    expect(waits).toHaveLength(30);
    expect(Math.max(...waits)).toBeLessThanOrEqual(loginSlowdownDelayMaxMs);
    expect(Math.min(...waits)).toBeGreaterThan(0);
    await expect(throttles.login('192.0.2.1', 'alice@example.com')).resolves.toBeUndefined();
    expect(JSON.stringify(warnings)).not.toContain('alice');
  });

  it('refuses one IP on one account with 429 and Retry-After, not other IPs', async () => {
    const { throttles } = setUp();
    for (let i = 0; i < 3; i++) await throttles.login('10.0.0.1', 'bob');
    await expect(throttles.login('10.0.0.1', 'bob')).rejects.toMatchObject({
      status: 429,
      headers: { 'retry-after': expect.stringMatching(/^[1-9]\d*$/) },
    });
    await expect(throttles.login('10.0.0.2', 'bob')).resolves.toBeUndefined();
  });

  it('keeps login values with separators apart', async () => {
    const { throttles } = setUp();
    for (let i = 0; i < 3; i++) await throttles.login('a', 'b:c');
    await expect(throttles.login('a:b', 'c')).resolves.toBeUndefined();
  });

  it('stops reset mails to one address, whoever asks, without refusing', async () => {
    const { throttles } = setUp();
    const sent = [];
    for (let i = 0; i < 4; i++)
      sent.push((await throttles.passwordReset(`10.0.1.${i}`, 'carol@example.com')).sendMail);
    expect(sent).toEqual([true, true, false, false]);
  });

  it('refuses a member asking for too many e-mail changes', async () => {
    const { throttles } = setUp();
    for (let i = 0; i < emailChangesPerMemberPerHour; i++) await throttles.emailChange('m1');
    await expect(throttles.emailChange('m1')).rejects.toMatchObject({ status: 429 });
    await expect(throttles.emailChange('m2')).resolves.toBeUndefined();
  });
});
