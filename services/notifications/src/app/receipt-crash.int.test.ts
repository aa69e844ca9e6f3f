/**
 * Exactly one receipt across a kill -9 of the consumer mid-send: a notifications process (a
 * real child, testing/notifications-child.ts) consumes a payment_succeeded event (Kafka when
 * KAFKA_BROKERS is set, else the pg transport) on PostgreSQL and writes the receipt to a real
 * SMTP server; the server holds its reply to the DATA (the whole mail is written, no 250 yet)
 * while the child is killed with SIGKILL. A second process on the same database and group takes
 * the abandoned delivery over when its lease runs out and sends it: the sink holds one mail.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createDb, newId } from '@redemption/kernel';
import {
  createTempDatabase,
  kafkaGate,
  postgresGate,
  type TempDatabase,
} from '@redemption/kernel/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { deliveryId } from '../domain/delivery.ts';
import { startSmtpSink, type SinkMessage, type SmtpSink } from '../testing/smtp-sink.ts';

const pg = postgresGate();
const kafka = process.env['KAFKA_BROKERS'] ? kafkaGate() : { url: undefined };
const child = fileURLToPath(new URL('../testing/notifications-child.ts', import.meta.url));
/** A send's timeout; the lease of a claimed delivery is twice it, then another process takes over. */
const sendTimeoutMs = 1_500;
const childReadyMs = 90_000;
const mailWaitMs = 60_000;

interface Child {
  exited: Promise<void>;
  kill9(): Promise<void>;
  output(): string;
}

function startChild(env: Record<string, string>): Child {
  const proc = spawn(process.execPath, [child], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  return {
    exited,
    output: () => output,
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

describe.skipIf(!pg.url)(
  `kill -9 mid-send (PostgreSQL, ${kafka.url ? 'Kafka' : 'pg'} transport)`,
  () => {
    let temp: TempDatabase;
    let sink: SmtpSink;
    const children: Child[] = [];
    afterAll(async () => {
      for (const c of children) await c.kill9();
      await sink?.close();
      await temp?.drop();
    });

    it('sends the receipt exactly once', async () => {
      temp = await createTempDatabase(pg.url!);
      sink = await startSmtpSink();
      const run = randomBytes(4).toString('hex');
      const memberId = newId();
      const email = `crash-${run}@example.com`;
      const orderId = newId();
      const env = {
        DATABASE_URL: temp.url,
        SMTP_URL: sink.url,
        EVENT_TRANSPORT: kafka.url ? 'kafka' : 'pg',
        ...(kafka.url ? { KAFKA_BROKERS: kafka.url } : {}),
        EVENT_PARTITIONS: '1',
        NOTIFICATION_SEND_TIMEOUT_MS: String(sendTimeoutMs),
        CHILD_GROUP: `notifications-crash-${run}`,
        CHILD_TOPIC: `notifications-crash-${run}`,
        CHILD_MEMBER_ID: memberId,
        CHILD_MEMBER_EMAIL: email,
      };
      const receipt = (m: SinkMessage) => m.to.includes(email);
      const held = sink.hold(receipt);
      const event = {
        subject: newId(),
        data: {
          payment_id: newId(),
          order_id: orderId,
          member_id: memberId,
          amount: 2599,
          currency: 'EUR',
          provider: 'simulated',
          transaction_id: `ch_${run}`,
        },
      };
      const first = startChild({ ...env, CHILD_PUBLISH: JSON.stringify(event) });
      children.push(first);
      const timeout = (ms: number, what: string) =>
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`${what}:\n${first.output()}`)), ms),
        );
      const mail = await Promise.race([
        held,
        timeout(childReadyMs, 'the first child never sent the receipt'),
      ]);
      expect(mail.header('subject')).toBe(`Receipt for order ${orderId.slice(0, 8).toUpperCase()}`);
      await first.kill9(); // the whole mail was written; the 250 never came
      expect(sink.accepted.filter(receipt)).toHaveLength(0);

      const second = startChild(env);
      children.push(second);
      const sent = await sink.waitFor(receipt, mailWaitMs);
      // Longer than a lease more: no other process or round sends it again.
      await new Promise((r) => setTimeout(r, 3 * sendTimeoutMs));
      expect(sink.accepted.filter(receipt)).toHaveLength(1);

      const db = await createDb({ databaseUrl: temp.url, dataDir: 'memory://', poolMax: 1 });
      try {
        const { rows } = await db.query<{
          id: string;
          cause: string;
          status: string;
          attempts: number;
        }>(
          "SELECT id, cause, status, attempts FROM notifications.deliveries WHERE template = 'payment_receipt'",
        );
        expect(rows).toHaveLength(1);
        const [d] = rows;
        // Claimed twice (the killed send and the one that took over), recorded and sent once.
        expect(d).toMatchObject({ status: 'sent', attempts: 2 });
        expect(d!.id).toBe(deliveryId(d!.cause, 'email', memberId));
        expect(sent.header('message-id')).toBe(`<${d!.id}@redemption.local>`);
        expect(mail.header('message-id')).toBe(sent.header('message-id'));
      } finally {
        await db.close();
      }
    }, 240_000);
  },
);
