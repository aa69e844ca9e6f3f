/**
 * The Flink job in a local MiniCluster for the parity test and the bench:
 * services/analytics/flink/flink.sh fetches the jars once (Maven Central), compiles the runner
 * and runs the job in one JVM. Whether it can run here is asked first (`flinkUnavailable`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const script = fileURLToPath(new URL('../../flink/flink.sh', import.meta.url));
/** Fetching the jars the first time (~145 MB) and compiling (ms). */
const prepareMaxMs = 600_000;
/** From the JVM's start to the job's submission (ms): minutes on a loaded two-core machine. */
const submitMaxMs = 480_000;

/** Why the job cannot run on this machine, or undefined when it can. */
export async function flinkUnavailable(): Promise<string | undefined> {
  try {
    await promisify(execFile)('java', ['-version']);
  } catch {
    return 'java (17 or newer) is not installed';
  }
  try {
    await promisify(execFile)('bash', [script, 'prepare'], { timeout: prepareMaxMs });
  } catch (err) {
    return `the Flink jars could not be prepared (flink.sh prepare): ${(err as Error).message}`;
  }
  return undefined;
}

export interface FlinkJobEnv {
  brokers: string;
  inputTopic: string;
  resultsTopic: string;
  group: string;
  outOfOrdernessS?: number;
  allowedLatenessS?: number;
}

export interface FlinkJob {
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the job on `inputTopic` (read from its start) and resolves once it is submitted. */
export async function startFlinkJob(e: FlinkJobEnv): Promise<FlinkJob> {
  const proc = spawn('bash', [script, 'run'], {
    env: {
      ...process.env,
      KAFKA_BROKERS: e.brokers,
      ANALYTICS_ORDERS_TOPIC: e.inputTopic,
      ANALYTICS_PAYMENTS_TOPIC: e.inputTopic,
      ANALYTICS_LOYALTY_TOPIC: e.inputTopic,
      ANALYTICS_RESULTS_TOPIC: e.resultsTopic,
      ANALYTICS_GROUP: e.group,
      ANALYTICS_STARTUP_MODE: 'earliest-offset',
      ANALYTICS_OUT_OF_ORDERNESS_S: String(e.outOfOrdernessS ?? 5),
      ANALYTICS_ALLOWED_LATENESS_S: String(e.allowedLatenessS ?? 120),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  let stderr = '';
  proc.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-8_000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the Flink job was not submitted in time; stderr:\n${stderr}`)),
      submitMaxMs,
    );
    proc.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('flink job running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the Flink job ended (${proc.exitCode}); stderr:\n${stderr}`));
    });
  });
  return {
    proc,
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}
