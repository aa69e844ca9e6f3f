import { type ConfigSpecs, int, str, url } from '@redemption/kernel';

/**
 * Notifications' settings: where each channel sends (unset: the dev mailbox), retries, rate
 * limits. The kernel validates them at start-up when notifications runs in the process, and
 * lists them in `redemption config` and the README.
 */
export const notificationsConfig = {
  smtpUrl: {
    name: 'SMTP_URL',
    description:
      'smtp:// or smtps:// URL (user:password@host:port) to send e-mail through; unset: mail goes to the dev mailbox (GET /api/notifications/mailbox)',
    secret: true,
    parse: url('smtp', 'smtps'),
  },
  mailFrom: {
    name: 'MAIL_FROM',
    default: 'Redemption <no-reply@redemption.local>',
    description: "the From of every mail (its domain also ends each mail's Message-ID)",
    parse: str(320),
  },
  twilioAccountSid: {
    name: 'TWILIO_ACCOUNT_SID',
    description: 'Twilio (or compatible) account SID; unset: SMS go to the dev mailbox',
    parse: str(64),
  },
  twilioAuthToken: {
    name: 'TWILIO_AUTH_TOKEN',
    description: 'Twilio auth token (with TWILIO_ACCOUNT_SID)',
    secret: true,
    parse: str(256),
  },
  twilioFrom: {
    name: 'TWILIO_FROM',
    description: 'the sending number (E.164) or messaging service SID (MG...) of SMS',
    parse: str(64),
  },
  twilioApiBase: {
    name: 'TWILIO_API_BASE',
    default: 'https://api.twilio.com',
    description:
      "Twilio API base URL (tests point it at a local server that answers like Twilio's)",
    parse: url('http', 'https'),
  },
  vapidPublicKey: {
    name: 'VAPID_PUBLIC_KEY',
    description:
      'Web Push VAPID public key (base64url, `npx web-push generate-vapid-keys`); unset: pushes go to the dev mailbox',
    parse: str(256),
  },
  vapidPrivateKey: {
    name: 'VAPID_PRIVATE_KEY',
    description: 'Web Push VAPID private key (with VAPID_PUBLIC_KEY)',
    secret: true,
    parse: str(256),
  },
  vapidSubject: {
    name: 'VAPID_SUBJECT',
    default: 'mailto:no-reply@redemption.local',
    description: 'Web Push VAPID subject: a mailto: or https: contact for push services',
    parse: str(256),
  },
  unsubscribeSecret: {
    name: 'UNSUBSCRIBE_SECRET',
    description:
      'key (>= 32 chars) that signs unsubscribe links; unset: one is generated and kept in the notifications schema',
    secret: true,
    parse: str(512),
  },
  notificationAttemptsMax: {
    name: 'NOTIFICATION_ATTEMPTS_MAX',
    default: '8',
    description: 'sends tried per notification before it is dead-lettered (status dead)',
    parse: int(1, 50),
  },
  notificationRetryBaseMs: {
    name: 'NOTIFICATION_RETRY_BASE_MS',
    default: '5000',
    description:
      'pause before the first retry of a failed send (ms); it doubles each attempt, up to 30 minutes',
    parse: int(10, 3_600_000),
  },
  notificationSendTimeoutMs: {
    name: 'NOTIFICATION_SEND_TIMEOUT_MS',
    default: '20000',
    description:
      'longest one send may take (SMTP, SMS, push); a send claimed longer than twice this is taken over as crashed',
    parse: int(100, 120_000),
  },
  emailRatePerS: {
    name: 'EMAIL_RATE_PER_S',
    default: '20',
    description: 'e-mails sent per second at most, all processes together (SMTP relays limit)',
    parse: int(1, 100_000),
  },
  smsRatePerS: {
    name: 'SMS_RATE_PER_S',
    default: '1',
    description: "SMS sent per second at most (a Twilio long code's limit is 1/s)",
    parse: int(1, 10_000),
  },
  pushRatePerS: {
    name: 'PUSH_RATE_PER_S',
    default: '50',
    description: 'Web Push messages sent per second at most',
    parse: int(1, 100_000),
  },
} satisfies ConfigSpecs;
