import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from '../testing/identity-harness.ts';

const password = 'a long enough passphrase';
const wrongPassword = 'not the password at all';

/** Low limits so the tests trip them; per IP+account stays at the harness's 5. */
export const throttleTestEnv = {
  LOGIN_RATE_PER_IP_PER_MIN: '20',
  REGISTER_RATE_PER_IP_PER_HOUR: '3',
  PASSWORD_RESET_RATE_PER_IP_PER_HOUR: '4',
  PASSWORD_RESET_MAILS_PER_EMAIL_PER_HOUR: '2',
};
const perIpAccount = 5;
const perIpLogins = 20;

/** Two instances of identity on one database and one limiter (the same one when in-process). */
export interface ThrottleHarnesses {
  a: Harness;
  b: Harness;
  close(): Promise<void>;
}

/** A fresh client address per call: budgets in a shared Redis outlive a test run. */
const newIp = (): string => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const unique = () => `t${randomUUID().slice(0, 8)}`;

/**
 * Throttles of identity's public routes: the attacker is slowed per IP and per IP+account, and
 * never locks the owner out. Against one process (in-process limiter) or two sharing Redis.
 */
export function identityThrottleSuite(label: string, start: () => Promise<ThrottleHarnesses>) {
  describe(`identity throttles (${label})`, () => {
    let hs: ThrottleHarnesses;
    beforeAll(async () => {
      hs = await start();
    });
    afterAll(async () => hs?.close());

    const post = (h: Harness, url: string, ip: string, payload: Record<string, unknown>) =>
      h.platform.app.inject({ method: 'POST', url, remoteAddress: ip, payload });
    const login = (h: Harness, ip: string, username: string, pw: string) =>
      post(h, '/api/users/login', ip, { username, password: pw });
    async function register(h: Harness, ip = newIp()) {
      const name = unique();
      const res = await post(h, '/api/users/register', ip, {
        username: name,
        email: `${name}@example.com`,
        password,
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json<{ id: string; username: string; email: string }>();
    }

    it('lets the owner in from another IP while a stranger fails 50 times from one IP', async () => {
      const owner = await register(hs.a);
      const strangerIp = newIp();
      const codes: number[] = [];
      const policies: string[] = [];
      for (let i = 0; i < 50; i++) {
        const h = i % 2 ? hs.b : hs.a; // both instances: the budget is shared
        const res = await login(h, strangerIp, owner.username, wrongPassword);
        codes.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
          expect(res.headers['content-type']).toContain('application/problem+json');
          policies.push(String(res.headers['ratelimit-policy']).split(';')[0]!);
        }
      }
      // First this IP's budget for this account, later (past 20 a minute) the IP's own.
      expect(policies[0]).toBe('"login-ip-account"');
      expect(policies.at(-1)).toBe('"login-ip"');
      expect(codes.filter((c) => c === 401)).toHaveLength(perIpAccount);
      expect(codes.filter((c) => c === 429)).toHaveLength(50 - perIpAccount);
      // Even the right password does not help the stranger's IP now...
      expect((await login(hs.b, strangerIp, owner.username, password)).statusCode).toBe(429);
      // ...but the owner, elsewhere, gets in at once, by username or by e-mail.
      const ownerIp = newIp();
      expect((await login(hs.b, ownerIp, owner.username, password)).statusCode).toBe(200);
      expect((await login(hs.a, ownerIp, owner.email, password)).statusCode).toBe(200);
    });

    it('throttles one IP trying many accounts', async () => {
      const ip = newIp();
      const codes: number[] = [];
      for (let i = 0; i < perIpLogins + 3; i++)
        codes.push((await login(i % 2 ? hs.b : hs.a, ip, unique(), wrongPassword)).statusCode);
      expect(codes.slice(0, perIpLogins).every((c) => c === 401)).toBe(true);
      expect(codes.slice(perIpLogins)).toEqual([429, 429, 429]);
    });

    it('throttles registrations per IP, not for other IPs', async () => {
      const ip = newIp();
      for (let i = 0; i < 3; i++) await register(i % 2 ? hs.b : hs.a, ip);
      const name = unique();
      const refused = await post(hs.b, '/api/users/register', ip, {
        username: name,
        email: `${name}@example.com`,
        password,
      });
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect((await login(hs.a, newIp(), name, password)).statusCode).toBe(401); // not created
      await register(hs.b, newIp());
    });

    it('counts refused sign-ups too: probing for registered e-mails is as slow as signing up', async () => {
      const known = await register(hs.a);
      const ip = newIp();
      const probe = (h: Harness) =>
        post(h, '/api/users/register', ip, { username: unique(), email: known.email, password });
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await probe(i % 2 ? hs.b : hs.a)).statusCode);
      expect(codes).toEqual([409, 409, 409, 429]);
    });

    it('throttles reset requests per IP and reset mails per address, saying the same', async () => {
      const u = await register(hs.a);
      const reset = (h: Harness, ip: string, email: string) =>
        post(h, '/api/users/password-reset', ip, { email });
      // Both instances publish to the one outbox: count the mails asked for, whoever took it.
      const first = await hs.a.resetRequests(u.email);
      expect((await reset(hs.a, newIp(), u.email)).statusCode).toBe(202);
      expect(await hs.a.resetRequests(u.email)).toBe(first + 1);
      expect((await reset(hs.b, newIp(), u.email)).statusCode).toBe(202);
      expect(await hs.a.resetRequests(u.email)).toBe(first + 2);
      expect(await hs.b.resetToken(u.email)).toBeDefined();
      // Over the address's budget: the same 202, and no third mail to flood the inbox with.
      expect((await reset(hs.a, newIp(), u.email)).statusCode).toBe(202);
      expect((await reset(hs.b, newIp(), u.email)).statusCode).toBe(202);
      expect(await hs.a.resetRequests(u.email)).toBe(first + 2);

      const ip = newIp();
      for (let i = 0; i < 4; i++)
        expect((await reset(i % 2 ? hs.b : hs.a, ip, `${unique()}@example.com`)).statusCode).toBe(
          202,
        );
      const refused = await reset(hs.a, ip, `${unique()}@example.com`);
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
}
