import { type ConfigSpecs, int, str } from '@redemption/kernel';

/**
 * Identity's settings: token lifetimes and keys, sign-in and reset throttles, the first admin. The
 * kernel validates them at start-up when identity runs in the process, and lists them in
 * `redemption config` and the README.
 */
export const identityConfig = {
  jwtPrivateJwk: {
    name: 'JWT_PRIVATE_JWK',
    description:
      'Ed25519 private key (JWK JSON) for signing; when unset, identity generates one and keeps it in its schema',
    secret: true,
    parse: str(4096),
  },
  refreshTokenTtlS: {
    name: 'REFRESH_TOKEN_TTL_S',
    default: '2592000',
    description: 'refresh token lifetime (seconds)',
    parse: int(300, 31536000),
  },
  loginRatePerMin: {
    name: 'LOGIN_RATE_PER_IP_PER_MIN',
    default: '30',
    description: 'login attempts allowed per client IP per minute',
    parse: int(1, 100000),
  },
  loginIpAccountRatePer15Min: {
    name: 'LOGIN_RATE_PER_IP_ACCOUNT_PER_15MIN',
    default: '10',
    description:
      'login attempts allowed per account from one client IP per 15 minutes (other IPs keep their own budget, so a stranger cannot lock the owner out)',
    parse: int(1, 100000),
  },
  loginSlowdownPerAccountPer15Min: {
    name: 'LOGIN_SLOWDOWN_PER_ACCOUNT_PER_15MIN',
    default: '100',
    description:
      'login attempts per account from all IPs per 15 minutes beyond which each further attempt waits (up to 2 s); never refused',
    parse: int(1, 100000),
  },
  registerRatePerIpPerHour: {
    name: 'REGISTER_RATE_PER_IP_PER_HOUR',
    default: '30',
    description: 'registrations allowed per client IP per hour',
    parse: int(1, 1_000_000),
  },
  passwordResetRatePerIpPerHour: {
    name: 'PASSWORD_RESET_RATE_PER_IP_PER_HOUR',
    default: '20',
    description: 'password-reset requests allowed per client IP per hour',
    parse: int(1, 1_000_000),
  },
  passwordResetMailsPerEmailPerHour: {
    name: 'PASSWORD_RESET_MAILS_PER_EMAIL_PER_HOUR',
    default: '3',
    description:
      'reset mails sent to one address per hour; further requests still answer 202 but send nothing',
    // At least 2: a mail every 30 min or sooner keeps one unexpired token (30 min) in the inbox,
    // so a stranger spending the budget cannot stop the owner's reset.
    parse: int(2, 1000),
  },
  adminEmail: {
    name: 'ADMIN_EMAIL',
    default: 'admin@redemption.local',
    description: "first admin's e-mail (first start)",
    parse: str(254),
  },
  adminPassword: {
    name: 'ADMIN_PASSWORD',
    description: "first admin's password (first start); generated and printed once when unset",
    secret: true,
    parse: str(256),
  },
} satisfies ConfigSpecs;
