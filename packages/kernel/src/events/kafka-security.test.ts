/**
 * What AWS needs from the clients (issue 14): Kafka over TLS with SASL (MSK IAM), Redis over
 * TLS (`rediss://`, ElastiCache) and PostgreSQL over verified TLS (`sslmode=verify-full`,
 * RDS Proxy). The wire tests listen on a plain TCP port and look at the first bytes a client
 * sends: a TLS ClientHello starts with 0x16, PostgreSQL's SSLRequest is 00 00 00 08 04 d2 16 2f.
 */
import { createServer, type Server } from 'node:net';
import { Admin } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { createPgDb } from '../db/pg-db.ts';
import { connectRedis } from '../rate-limit/redis-rate-limiter.ts';
import { clientOptions } from './kafka-clients.ts';
import { kafkaSecurityOptions, loadKafkaSecurity } from './kafka-security.ts';

const tlsRecordHandshake = 0x16;
const pgSslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const firstBytesTimeoutMs = 10_000;

describe('loadKafkaSecurity', () => {
  it('defaults to plaintext without SASL (the local broker)', () => {
    expect(loadKafkaSecurity({})).toMatchObject({ tls: false, mechanism: 'none' });
    expect(kafkaSecurityOptions(loadKafkaSecurity({}))).toEqual({});
  });

  it('MSK IAM needs TLS and a region, named in the error', () => {
    expect(() => loadKafkaSecurity({ KAFKA_SASL_MECHANISM: 'aws-msk-iam' })).toThrow(
      /KAFKA_TLS: must be true[\s\S]*AWS_REGION: required/,
    );
    expect(
      loadKafkaSecurity({
        KAFKA_SASL_MECHANISM: 'aws-msk-iam',
        KAFKA_TLS: 'true',
        AWS_REGION: 'eu-west-1',
      }),
    ).toMatchObject({ tls: true, mechanism: 'aws-msk-iam', region: 'eu-west-1' });
  });

  it('SCRAM needs a user and password; an unknown mechanism is refused; the password is never shown', () => {
    expect(() => loadKafkaSecurity({ KAFKA_SASL_MECHANISM: 'scram-sha-512' })).toThrow(
      /KAFKA_SASL_USERNAME: required[\s\S]*KAFKA_SASL_PASSWORD: required/,
    );
    expect(() => loadKafkaSecurity({ KAFKA_SASL_MECHANISM: 'kerberos' })).toThrow(
      /KAFKA_SASL_MECHANISM="kerberos"/,
    );
    expect(() => loadKafkaSecurity({ KAFKA_SASL_PASSWORD: 'x'.repeat(2000) })).toThrow(
      /secret value hidden/,
    );
    const scram = {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
      KAFKA_TLS: '1',
    };
    expect(kafkaSecurityOptions(loadKafkaSecurity(scram))).toEqual({
      tls: {},
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'u', password: 'p' },
    });
  });

  it('MSK IAM: OAUTHBEARER with a token signed for kafka-cluster:Connect by the AWS credentials', async () => {
    const saved = { ...process.env };
    // Static credentials: the provider chain takes them from the environment, no network.
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    try {
      const sec = loadKafkaSecurity({
        KAFKA_SASL_MECHANISM: 'aws-msk-iam',
        KAFKA_TLS: 'true',
        AWS_REGION: 'eu-west-1',
      });
      const opts = kafkaSecurityOptions(sec) as {
        tls: object;
        sasl: { mechanism: string; token: () => Promise<string> };
      };
      expect(opts.tls).toEqual({});
      expect(opts.sasl.mechanism).toBe('OAUTHBEARER');
      const url = new URL(Buffer.from(await opts.sasl.token(), 'base64url').toString('utf8'));
      expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
      expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
      expect(url.searchParams.get('X-Amz-Credential')).toMatch(
        /^AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\//,
      );
      expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      process.env = saved;
    }
  });
});

describe('the clients speak TLS when configured (first bytes on the wire)', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  /** A TCP listener that resolves with the first bytes a client sends, then hangs up. */
  async function firstBytes(): Promise<{ port: number; bytes: Promise<Buffer> }> {
    const { promise, resolve, reject } = Promise.withResolvers<Buffer>();
    server = createServer((socket) => {
      socket.once('data', (b: Buffer) => {
        resolve(b);
        socket.destroy();
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const timer = setTimeout(() => reject(new Error('no bytes')), firstBytesTimeoutMs);
    void promise.finally(() => clearTimeout(timer));
    return { port: (server.address() as { port: number }).port, bytes: promise };
  }

  it.each([
    ['KAFKA_TLS=true', { tls: true, mechanism: 'none' as const }, tlsRecordHandshake],
    ['plaintext', { tls: false, mechanism: 'none' as const }, 0x00],
  ])('Kafka, %s', async (_, security, firstByte) => {
    const { port, bytes } = await firstBytes();
    const admin = new Admin({
      ...clientOptions('tls-check', [`127.0.0.1:${port}`], kafkaSecurityOptions(security)),
      retries: 0,
    });
    void admin.listTopics().catch(() => undefined);
    expect((await bytes)[0]).toBe(firstByte);
    await admin.close().catch(() => undefined);
  });

  it.each([
    ['rediss://', tlsRecordHandshake],
    ['redis://', '*'.charCodeAt(0)], // RESP: the first command is an array
  ])('Redis, %s', async (scheme, firstByte) => {
    const { port, bytes } = await firstBytes();
    void connectRedis(`${scheme}127.0.0.1:${port}`, () => undefined).catch(() => undefined);
    expect((await bytes)[0]).toBe(firstByte);
  });

  it('PostgreSQL with sslmode=verify-full asks for TLS first (RDS Proxy)', async () => {
    const { port, bytes } = await firstBytes();
    const db = createPgDb({
      url: `postgres://u:p@127.0.0.1:${port}/db?sslmode=verify-full`,
      poolMax: 1,
    });
    void db.query('SELECT 1').catch(() => undefined);
    expect((await bytes).subarray(0, 8)).toEqual(pgSslRequest);
    await db.close().catch(() => undefined);
  });
});
