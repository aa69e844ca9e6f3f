import { createHash } from 'node:crypto';
import type { Logger, RateDecision, RateLimit, RateLimiter } from '@redemption/kernel';
import { rateLimitHeaders, tooManyRequests } from '@redemption/kernel';

const minuteMs = 60_000;
const quarterHourMs = 15 * minuteMs;
const hourMs = 60 * minuteMs;
/** The longest one login waits when its account is over the slowdown budget. */
export const loginSlowdownDelayMaxMs = 2_000;
/** Each e-mail change mails an address the member chose: enough for typos, not for spam. */
export const emailChangesPerMemberPerHour = 5;

export interface ThrottleSettings {
  loginPerIpPerMin: number;
  loginPerIpAccountPer15Min: number;
  loginSlowdownPerAccountPer15Min: number;
  registerPerIpPerHour: number;
  resetPerIpPerHour: number;
  resetMailsPerEmailPerHour: number;
}

/** A limit with the name it goes by in keys, logs and the `RateLimit-Policy` header. */
interface NamedLimit {
  name: string;
  limit: RateLimit;
}

const named = (name: string, ratePerPeriod: number, periodMs: number): NamedLimit => ({
  name,
  limit: { ratePerPeriod, periodMs, burst: ratePerPeriod },
});

/** Keys hold user input (logins, e-mails): JSON keeps `a:b` + `c` apart from `a` + `b:c`. */
const keyOf = (limit: NamedLimit, ...parts: string[]): string =>
  `${limit.name}:${JSON.stringify(parts)}`;

export function identityLimits(s: ThrottleSettings) {
  return {
    loginIp: named('login-ip', s.loginPerIpPerMin, minuteMs),
    loginIpAccount: named('login-ip-account', s.loginPerIpAccountPer15Min, quarterHourMs),
    loginAccountSlowdown: named(
      'login-account-slowdown',
      s.loginSlowdownPerAccountPer15Min,
      quarterHourMs,
    ),
    registerIp: named('register-ip', s.registerPerIpPerHour, hourMs),
    resetIp: named('password-reset-ip', s.resetPerIpPerHour, hourMs),
    resetMailsEmail: named('password-reset-email', s.resetMailsPerEmailPerHour, hourMs),
    emailChangeMember: named('email-change-member', emailChangesPerMemberPerHour, hourMs),
  };
}

export interface IdentityThrottles {
  /** Throws 429 when this IP, or this IP for this account, has tried too often; may wait. */
  login(ip: string, normalizedLogin: string): Promise<void>;
  /** Throws 429 when this IP has registered too often. */
  register(ip: string): Promise<void>;
  /** Throws 429 when this IP asked too often; false: do it, but send this address no mail. */
  passwordReset(ip: string, normalizedEmail: string): Promise<{ sendMail: boolean }>;
  /** Throws 429 when this member asked for too many e-mail changes. */
  emailChange(userId: string): Promise<void>;
}

/**
 * Throttles for identity's public routes, on the kernel's GCRA limiter (Redis when REDIS_URL is
 * set, so every pod shares each budget). Counted per attempt, before the password is checked.
 *
 * Hard limits are keyed by what the caller controls (their IP, or their IP with the account they
 * aim at), never by the account alone: a stranger who spends an account's budget must not lock
 * its owner out, who signs in from another IP. The account-wide budget only slows attempts down
 * (and logs), so a botnet spread over many IPs is seen and slowed, but the owner still gets in.
 */
export function createIdentityThrottles(
  limiter: RateLimiter,
  settings: ThrottleSettings,
  log: Logger,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): IdentityThrottles {
  const limits = identityLimits(settings);
  const enforce = async (limit: NamedLimit, ...parts: string[]): Promise<void> => {
    const decision = await limiter.hit(keyOf(limit, ...parts), limit.limit);
    if (!decision.allowed) throw refused(decision, limit);
  };
  return {
    async login(ip, login) {
      await enforce(limits.loginIp, ip);
      await enforce(limits.loginIpAccount, ip, login);
      const slow = limits.loginAccountSlowdown;
      const decision = await limiter.hit(keyOf(slow, login), slow.limit);
      if (decision.allowed) return;
      // A digest, not the login: it may be an e-mail, which has no place in logs.
      log.warn({ login_sha256: digest(login), limit: slow.name }, 'many login attempts: slowing');
      await sleep(Math.min(decision.retryAfterMs, loginSlowdownDelayMaxMs));
    },
    register: (ip) => enforce(limits.registerIp, ip),
    async passwordReset(ip, email) {
      await enforce(limits.resetIp, ip);
      const mails = limits.resetMailsEmail;
      // Not a 429: the same answer for every address, and the owner, whose inbox already holds
      // an unexpired token from an earlier mail, is not told to wait.
      return { sendMail: (await limiter.hit(keyOf(mails, email), mails.limit)).allowed };
    },
    emailChange: (userId) => enforce(limits.emailChangeMember, userId),
  };
}

const loginDigestLength = 16;
const digest = (s: string): string =>
  createHash('sha256').update(s).digest('hex').slice(0, loginDigestLength);

function refused(decision: RateDecision, limit: NamedLimit) {
  const headers = rateLimitHeaders(decision, limit.limit, limit.name);
  return tooManyRequests(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)), headers);
}
