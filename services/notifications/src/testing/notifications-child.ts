/**
 * A notifications process for receipt-crash.int.test.ts to kill with SIGKILL in the middle of
 * sending: the module on DATABASE_URL with the test's consumer group and topic (CHILD_GROUP,
 * CHILD_TOPIC), identity faked in the process with one member (CHILD_MEMBER_ID,
 * CHILD_MEMBER_EMAIL). With CHILD_PUBLISH set it publishes that payment_succeeded event (its
 * JSON) on the topic. Says `ready` on stdout and runs until killed. Plain Node, not a test.
 */
import { paymentSucceeded } from '@redemption/contracts';
import { startNotifications } from './notifications-harness.ts';

const passedOn = [
  'SMTP_URL',
  'EVENT_TRANSPORT',
  'KAFKA_BROKERS',
  'EVENT_PARTITIONS',
  'NOTIFICATION_SEND_TIMEOUT_MS',
] as const;

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

async function main(): Promise<void> {
  const env: Record<string, string> = { REDIS_URL: '' };
  for (const name of passedOn) if (process.env[name]) env[name] = process.env[name]!;
  const topic = need('CHILD_TOPIC');
  const h = await startNotifications({
    databaseUrl: need('DATABASE_URL'),
    env,
    module: { group: need('CHILD_GROUP'), topics: [topic] },
  });
  h.identity.addMember({ id: need('CHILD_MEMBER_ID'), email: need('CHILD_MEMBER_EMAIL') });
  const publish = process.env['CHILD_PUBLISH'];
  if (publish) {
    const e = JSON.parse(publish) as { subject: string; data: Record<string, unknown> };
    await h.platform.db.tx((q) =>
      h.platform.events.publisher.publish(q, { ...paymentSucceeded, topic }, e as never),
    );
  }
  process.stdout.write('ready\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
