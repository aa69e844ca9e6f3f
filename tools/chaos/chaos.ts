/**
 * `npm run chaos [-- --full]`: the seven services and the gateway as separate processes on a
 * PostgreSQL cluster, a redis-server, a Kafka broker and a network namespace of chaos's own
 * (chaos-infra.ts), under a steady mixed load; faults one at a time (chaos-phases.ts): kill -9
 * of each service, Redis stopped, PostgreSQL stopped, the broker stopped, latency and loss to
 * payments, a rolling SIGTERM restart; after each, with the load paused, the invariants
 * (chaos-invariants.ts). Prints a table; exits 1 when an invariant broke or a request still
 * failed after its retries.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serviceNames, startCluster, type Cluster } from './chaos-cluster.ts';
import { startInfra, type Infra } from './chaos-infra.ts';
import { startLoad, type Load } from './chaos-load.ts';
import { adminPassword, members } from './chaos-members.ts';
import { runPhases, type Profile } from './chaos-phases.ts';
import { failed, table } from './chaos-report.ts';

const cli = fileURLToPath(new URL('../../apps/platform/src/cli.ts', import.meta.url));
const run = promisify(execFile);
/** CI kills the five the checkout goes through; full adds notifications and analytics. */
const ciKilled = ['identity', 'loyalty', 'catalog', 'payments', 'orders'];
const profiles: Record<'ci' | 'full', Profile> = {
  ci: {
    workers: 4,
    steadyMs: 5_000,
    faultMs: 3_000,
    afterMs: 5_000,
    degradedMs: 10_000,
    kafka: true,
    killed: ciKilled,
  },
  full: {
    workers: 12,
    steadyMs: 30_000,
    faultMs: 15_000,
    afterMs: 20_000,
    degradedMs: 30_000,
    kafka: true,
    killed: serviceNames,
  },
};

/** The services' environment: the database and broker as they reach them. */
function commonEnv(infra: Infra): Record<string, string> {
  return {
    DATABASE_URL: infra.serviceUrl,
    INTERNAL_TOKEN_SECRET: randomUUID() + randomUUID(),
    ADMIN_PASSWORD: adminPassword,
    ...(infra.kafka
      ? { EVENT_TRANSPORT: 'kafka', KAFKA_BROKERS: infra.kafka.brokers }
      : { EVENT_TRANSPORT: 'pg' }),
    LOG_LEVEL: 'silent',
    LOYALTY_RATE_PER_MEMBER_PER_S: '1000',
    LOYALTY_RATE_PER_IP_PER_S: '100000',
  };
}

async function main(): Promise<void> {
  const p = process.argv.includes('--full') ? profiles.full : profiles.ci;
  const startedMs = Date.now();
  let infra: Infra | undefined;
  let cluster: Cluster | undefined;
  let load: Load | undefined;
  // Ctrl-C: stop what we started (the processes, redis, broker, cluster, namespace).
  const interrupted = () =>
    void Promise.allSettled([cluster?.close()])
      .then(() => infra?.close())
      .finally(() => process.exit(130));
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    infra = await startInfra({ kafka: p.kafka });
    const common = commonEnv(infra);
    await run(process.execPath, [cli, 'seed'], {
      // The PostgreSQL event log for the seed: its Kafka consumers took minutes to join their
      // groups on the loaded machine; the services relay its outbox rows to the broker anyway.
      env: {
        ...process.env,
        ...common,
        DATABASE_URL: infra.url,
        DEMO_DATA: '1',
        EVENT_TRANSPORT: 'pg',
      },
    });
    cluster = await startCluster(common, infra.net);
    const { workers, productIds } = await members(cluster.gatewayUrl, p.workers);
    load = startLoad(cluster.gatewayUrl, workers, productIds);
    const rows = await runPhases({ load, cluster, infra, p });
    await load.stop();
    process.stdout.write(`${table(rows)}\n`);
    process.stdout.write(
      `transport: ${common['EVENT_TRANSPORT']}; run took ${Math.round((Date.now() - startedMs) / 1000)} s\n`,
    );
    if (failed(rows)) process.exitCode = 1;
  } finally {
    await load?.stop();
    await cluster?.close();
    await infra?.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
