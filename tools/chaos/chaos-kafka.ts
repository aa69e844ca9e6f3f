/**
 * A Kafka broker of chaos's own (tools/kafka/kafka.sh on free ports in a temp directory, the
 * repository's jars in .kafka/libs): the shared broker on 9092 must never be stopped, this one
 * is, for the "Kafka broker stopped then started" fault.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './chaos-cluster.ts';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../kafka/kafka.sh', import.meta.url));
const startTimeoutS = 240;
const repoLibs = fileURLToPath(new URL('../../.kafka/libs', import.meta.url));

export interface ChaosKafka {
  /** host:port, for KAFKA_BROKERS. */
  brokers: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the broker; null with the reason when it cannot (no java, no jars and no mvn). */
export async function startKafka(host: string): Promise<ChaosKafka | string> {
  const dir = mkdtempSync(join(tmpdir(), 'redemption-chaos-kafka-'));
  const port = await freePort();
  const env = {
    ...process.env,
    KAFKA_HOST: host,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    KAFKA_WORK_DIR: dir,
    KAFKA_LIBS_DIR: repoLibs,
    // kafka.sh's 60 s was not enough on the loaded 2-core machine.
    KAFKA_START_TIMEOUT: String(startTimeoutS),
  };
  const kafka = (cmd: 'start' | 'stop') => run('bash', [script, cmd], { env });
  try {
    await kafka('start');
  } catch (err) {
    const out = (err as { stderr?: string }).stderr ?? (err as Error).message;
    rmSync(dir, { recursive: true, force: true });
    return `tools/kafka/kafka.sh start failed: ${out.trim().split('\n').pop()}`;
  }
  return {
    brokers: `${host}:${port}`,
    stop: async () => void (await kafka('stop')),
    start: async () => void (await kafka('start')),
    async close() {
      await kafka('stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
