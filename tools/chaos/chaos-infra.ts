/**
 * What chaos runs the platform on, all of its own so that every fault can be done to it: the
 * network (a namespace for one service, chaos-net.ts), a throwaway PostgreSQL cluster (initdb'd
 * in a temp directory, like the restore drill's: the machine's server is shared and never
 * restarted), and a Kafka broker (chaos-kafka.ts). Each one that cannot be had is replaced by a
 * fallback and its fault skipped with the reason: loopback only, the machine's PostgreSQL
 * (`DATABASE_URL`), the PostgreSQL event log (`EVENT_TRANSPORT=pg`).
 */
import { createTempDatabase } from '@redemption/kernel/testing';
import {
  serverBinDir,
  startThrowawayCluster,
  type ThrowawayCluster,
} from '../../apps/platform/src/testing/throwaway-cluster.ts';
import { startKafka, type ChaosKafka } from './chaos-kafka.ts';
import { setupNet, type ChaosNet } from './chaos-net.ts';

/** Seven services and a gateway with pools of 10, the CLI's checks, and room to spare. */
const maxConnections = 300;

export interface Infra {
  net: ChaosNet;
  /** The throwaway cluster, or null (then `pgSkipped` says why). */
  pg: ThrowawayCluster | null;
  pgSkipped: string | null;
  kafka: ChaosKafka | null;
  kafkaSkipped: string | null;
  /** The temp database, as the chaos process reaches it (loopback). */
  url: string;
  /** The same database as the services reach it (the network's host address). */
  serviceUrl: string;
  close(): Promise<void>;
}

async function postgres(
  net: ChaosNet,
): Promise<{ pg: ThrowawayCluster | null; why: string | null; base: string }> {
  const bin = serverBinDir();
  if (bin) {
    const pg = await startThrowawayCluster(bin, {
      settings: {
        listen_addresses: [...new Set(['127.0.0.1', net.hostIp])].join(','),
        max_connections: String(maxConnections),
      },
      trustFrom: net.nsIp ? [`${net.hostIp.replace(/\.1$/, '.0')}/30`] : [],
    });
    return { pg, why: null, base: pg.url };
  }
  const base = process.env['DATABASE_URL'];
  if (!base) throw new Error('chaos needs the PostgreSQL server binaries (initdb) or DATABASE_URL');
  return { pg: null, why: "no initdb here: on the machine's PostgreSQL, never restarted", base };
}

/** `kafka`: whether to run a broker of its own (else the PostgreSQL event log). */
export async function startInfra(o: { kafka: boolean }): Promise<Infra> {
  let net = await setupNet();
  if (net.unavailable) process.stderr.write(`chaos: no network namespace: ${net.unavailable}\n`);
  if (!serverBinDir() && net.nsIp) {
    // The machine's server listens on loopback only: the namespaced service could not reach it.
    await net.close();
    net = {
      ...net,
      hostIp: '127.0.0.1',
      nsIp: null,
      prefix: [],
      unavailable: 'no throwaway PostgreSQL',
    };
  }
  let pg: ThrowawayCluster | null = null;
  try {
    const got = await postgres(net);
    pg = got.pg;
    return await withPostgres(net, got.pg, got.why, got.base, o);
  } catch (err) {
    await pg?.stop();
    await net.close();
    throw err;
  }
}

async function withPostgres(
  net: ChaosNet,
  pg: ThrowawayCluster | null,
  why: string | null,
  base: string,
  o: { kafka: boolean },
): Promise<Infra> {
  const temp = await createTempDatabase(base);
  const kafka = o.kafka ? await startKafka(net.hostIp) : 'not in this profile';
  if (typeof kafka === 'string') process.stderr.write(`chaos: no Kafka broker: ${kafka}\n`);
  const serviceUrl = new URL(temp.url);
  serviceUrl.hostname = net.hostIp;
  return {
    net,
    pg,
    pgSkipped: why,
    kafka: typeof kafka === 'string' ? null : kafka,
    kafkaSkipped: typeof kafka === 'string' ? kafka : null,
    url: temp.url,
    serviceUrl: serviceUrl.toString(),
    async close() {
      if (typeof kafka !== 'string') await kafka.close();
      if (pg) await pg.stop();
      else await temp.drop();
      await net.close();
    },
  };
}
