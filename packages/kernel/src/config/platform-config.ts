import { bool, int, list, loadConfig, oneOf, str, url, type VarSpec } from './config.ts';

const metricsTokenLengthMin = 32;

/** A secret a client sends as `Authorization: Bearer <token>`: long enough, header-safe. */
const bearerToken =
  (min: number, max: number) =>
  (raw: string): string => {
    if (raw.length < min || raw.length > max)
      throw new Error(`must be ${min} to ${max} characters`);
    if (!/^[\x21-\x7e]+$/.test(raw)) throw new Error('must be printable ASCII without spaces');
    return raw;
  };

/** Every environment variable the platform reads. The README's table is generated from this. */
export const platformVars = {
  port: { name: 'PORT', default: '8080', description: 'HTTP port', parse: int(0, 65535) },
  host: {
    name: 'HOST',
    default: '0.0.0.0',
    description: 'interface to listen on',
    parse: str(255),
  },
  dataDir: {
    name: 'DATA_DIR',
    default: './data',
    description:
      'embedded PostgreSQL (PGlite) data directory, used when DATABASE_URL is unset; `memory://` keeps nothing',
    parse: str(1024),
  },
  databaseUrl: {
    name: 'DATABASE_URL',
    description:
      'PostgreSQL URL; when set, used instead of the embedded database (required by `serve`)',
    secret: true,
    parse: url('postgres', 'postgresql'),
  },
  dbPoolMax: {
    name: 'DB_POOL_MAX',
    default: '10',
    description: 'PostgreSQL pool size per process',
    parse: int(1, 200),
  },
  redisUrl: {
    name: 'REDIS_URL',
    description:
      'Redis URL; when set, rate limits, throttles and access-token revocations are shared across processes',
    secret: true,
    parse: url('redis', 'rediss'),
  },
  logLevel: {
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'pino log level',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
  trustProxy: {
    name: 'TRUST_PROXY',
    default: 'false',
    description:
      'trust X-Forwarded-For from a load balancer (true behind an ALB/ingress) so per-IP limits see client IPs',
    parse: bool,
  },
  corsOrigins: {
    name: 'CORS_ORIGINS',
    default: '',
    description: 'comma-separated origins allowed by CORS (empty: same-origin only)',
    parse: list,
  },
  publicUrl: {
    name: 'PUBLIC_URL',
    description:
      'external base URL printed at start-up and used in OpenAPI (default http://localhost:PORT)',
    parse: url('http', 'https'),
  },
  identityUrl: {
    name: 'IDENTITY_URL',
    description:
      'identity service base URL for other services in distributed mode (JWKS at /.well-known/jwks.json)',
    parse: url('http', 'https'),
  },
  jwtIssuer: {
    name: 'JWT_ISSUER',
    default: 'redemption',
    description: 'JWT `iss` claim',
    parse: str(255),
  },
  jwtPrivateJwk: {
    name: 'JWT_PRIVATE_JWK',
    description:
      'Ed25519 private key (JWK JSON) for signing; when unset, identity generates one and keeps it in its schema',
    secret: true,
    parse: str(4096),
  },
  accessTokenTtlS: {
    name: 'ACCESS_TOKEN_TTL_S',
    default: '900',
    description: 'access token lifetime (seconds)',
    parse: int(60, 86400),
  },
  refreshTokenTtlS: {
    name: 'REFRESH_TOKEN_TTL_S',
    default: '2592000',
    description: 'refresh token lifetime (seconds)',
    parse: int(300, 31536000),
  },
  idempotencyTtlH: {
    name: 'IDEMPOTENCY_TTL_H',
    default: '24',
    description: 'hours an Idempotency-Key and its stored response are kept',
    parse: int(24, 720),
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
  demoData: {
    name: 'DEMO_DATA',
    description:
      'demo members (published password) and rewards on first start: unset = only on the embedded database (no DATABASE_URL); `1` = also against DATABASE_URL; `0` = never',
    parse: bool,
  },
  eventTransport: {
    name: 'EVENT_TRANSPORT',
    default: 'pg',
    description:
      'event delivery: `pg` (the outbox table is the log; no broker) or `kafka` (relay to KAFKA_BROKERS)',
    parse: oneOf('pg', 'kafka'),
  },
  kafkaBrokers: {
    name: 'KAFKA_BROKERS',
    description:
      'comma-separated Kafka bootstrap servers (host:port), required when EVENT_TRANSPORT=kafka',
    parse: list,
  },
  eventPartitions: {
    name: 'EVENT_PARTITIONS',
    default: '3',
    description: 'partitions per topic (Kafka topics created by the platform, and the pg log)',
    parse: int(1, 256),
  },
  kafkaReplicationFactor: {
    name: 'KAFKA_REPLICATION_FACTOR',
    default: '1',
    description: 'replication factor of topics the platform creates (production: 2 or 3)',
    parse: int(1, 5),
  },
  eventAttemptsMax: {
    name: 'EVENT_ATTEMPTS_MAX',
    default: '5',
    description:
      'handler attempts per event (exponential backoff between) before it goes to the dead-letter queue',
    parse: int(1, 100),
  },
  ledgerBatchMax: {
    name: 'LEDGER_BATCH_MAX',
    default: '256',
    description: 'most ledger operations applied in one database transaction',
    parse: int(1, 5000),
  },
  ledgerBatchWaitMs: {
    name: 'LEDGER_BATCH_WAIT_MS',
    default: '2',
    description: 'longest a ledger operation waits for others to share its batch (ms)',
    parse: int(0, 1000),
  },
  ledgerQueueDepthMax: {
    name: 'LEDGER_QUEUE_DEPTH_MAX',
    default: '10000',
    description: 'ledger operations waiting per process before new ones get 429 + Retry-After',
    parse: int(1, 1_000_000),
  },
  pointsExpiryMonths: {
    name: 'POINTS_EXPIRY_MONTHS',
    default: '24',
    description: 'months after earning that a lot of points expires',
    parse: int(1, 600),
  },
  holdTtlS: {
    name: 'HOLD_TTL_S',
    default: '900',
    description: 'seconds a points hold lasts before it is released by itself',
    parse: int(10, 7 * 86400),
  },
  loyaltyRatePerMemberPerS: {
    name: 'LOYALTY_RATE_PER_MEMBER_PER_S',
    default: '10',
    description: 'ledger writes a member may make per second (burst: twice that); beyond it 429',
    parse: int(1, 1_000_000),
  },
  loyaltyRatePerIpPerS: {
    name: 'LOYALTY_RATE_PER_IP_PER_S',
    default: '200',
    description:
      'ledger writes one client IP may make per second (burst: twice that); beyond it 429',
    parse: int(1, 10_000_000),
  },
  internalTokenSecret: {
    name: 'INTERNAL_TOKEN_SECRET',
    description:
      'shared secret (>= 32 chars) for service-to-service tokens (HS256); every process of a distributed deployment needs the same one; a random one per process when unset',
    secret: true,
    parse: str(512),
  },
  metricsToken: {
    name: 'METRICS_TOKEN',
    description:
      'bearer token /metrics requires (>= 32 chars); when unset, /metrics is open in standalone mode and not served in distributed mode (serve)',
    secret: true,
    parse: bearerToken(metricsTokenLengthMin, 512),
  },
  loyaltyUrl: {
    name: 'LOYALTY_URL',
    description: 'loyalty service base URL when it is not in this process (distributed mode)',
    parse: url('http', 'https'),
  },
  catalogUrl: {
    name: 'CATALOG_URL',
    description: 'catalog service base URL when it is not in this process (distributed mode)',
    parse: url('http', 'https'),
  },
  paymentsUrl: {
    name: 'PAYMENTS_URL',
    description: 'payments service base URL when it is not in this process (distributed mode)',
    parse: url('http', 'https'),
  },
  ordersUrl: {
    name: 'ORDERS_URL',
    description: 'orders service base URL, for the gateway (distributed mode)',
    parse: url('http', 'https'),
  },
  serviceCallTimeoutMs: {
    name: 'SERVICE_CALL_TIMEOUT_MS',
    default: '5000',
    description: 'timeout of one service-to-service HTTP call (the seed: 5 s)',
    parse: int(100, 60_000),
  },
  serviceCallAttemptsMax: {
    name: 'SERVICE_CALL_ATTEMPTS_MAX',
    default: '3',
    description:
      'attempts per service call on network errors, 5xx and 429 (same Idempotency-Key each time)',
    parse: int(1, 10),
  },
  catalogCacheTtlS: {
    name: 'CATALOG_CACHE_TTL_S',
    default: '60',
    description: 'seconds a cached product or product page lives (invalidated sooner on change)',
    parse: int(1, 86_400),
  },
  reservationTtlS: {
    name: 'RESERVATION_TTL_S',
    default: '900',
    description: 'seconds a stock reservation (cart hold) lasts before it is released by itself',
    parse: int(10, 7 * 86_400),
  },
  paymentProvider: {
    name: 'PAYMENT_PROVIDER',
    default: 'simulated',
    description:
      'simulated (Stripe-style test tokens, no network) or stripe (needs STRIPE_SECRET_KEY)',
    parse: oneOf('simulated', 'stripe'),
  },
  stripeSecretKey: {
    name: 'STRIPE_SECRET_KEY',
    description: 'Stripe secret key; with PAYMENT_PROVIDER=stripe, payments go through Stripe',
    secret: true,
    parse: str(256),
  },
  stripeWebhookSecret: {
    name: 'STRIPE_WEBHOOK_SECRET',
    description: 'signing secret of the Stripe webhook endpoint (whsec_...)',
    secret: true,
    parse: str(256),
  },
  stripePublishableKey: {
    name: 'STRIPE_PUBLISHABLE_KEY',
    description:
      'Stripe publishable key (pk_...); when set, the web app takes cards with Stripe Elements instead of test tokens',
    parse: str(256),
  },
  stripeApiBase: {
    name: 'STRIPE_API_BASE',
    default: 'https://api.stripe.com',
    description:
      "Stripe API base URL (tests point it at a local server that answers like Stripe's)",
    parse: url('http', 'https'),
  },
  simulatedSlowMs: {
    name: 'SIMULATED_SLOW_MS',
    default: '6000',
    description: 'how long the simulated provider takes for the `tok_slow` test token (ms)',
    parse: int(0, 120_000),
  },
  pointValueMinor: {
    name: 'POINT_VALUE_MINOR',
    default: '1',
    description: 'minor currency units (cents) one point pays for at checkout',
    parse: int(1, 10_000),
  },
  earnPointsPerUnit: {
    name: 'EARN_POINTS_PER_UNIT',
    default: '10',
    description:
      'points earned per whole currency unit paid in cash for an order, before the tier multiplier',
    parse: int(0, 10_000),
  },
  earnReturnWindowDays: {
    name: 'EARN_RETURN_WINDOW_DAYS',
    default: '14',
    description:
      'days after delivery that points earned on an order stay pending (visible, not spendable); a cancellation or refund before then shrinks or voids them',
    parse: int(0, 365),
  },
  shutdownTimeoutMs: {
    name: 'SHUTDOWN_TIMEOUT_MS',
    default: '25000',
    description: 'after SIGTERM, exit even if requests are still running after this long',
    parse: int(1000, 120000),
  },
} satisfies Record<string, VarSpec<unknown>>;

export type PlatformConfig = ReturnType<typeof loadPlatformConfig>;

/**
 * Whether first-start seeding may add demo data (members whose password is printed in the
 * README). Never by default against a real DATABASE_URL: that may be a shared or production
 * database, where a known password is an open door. DEMO_DATA=1 opts in explicitly.
 */
export const demoDataWanted = (config: Pick<PlatformConfig, 'demoData' | 'databaseUrl'>): boolean =>
  config.demoData ?? config.databaseUrl === undefined;

export function loadPlatformConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(platformVars, env);
}
