#!/usr/bin/env node
/**
 * Flash-sale pre-warm (seed 000), run before a planned sale and again after it:
 *   node apps/platform/src/prewarm/prewarm-command.ts --factor 3   # raise, then warm
 *   node apps/platform/src/prewarm/prewarm-command.ts --restore    # back to before
 * Raises every Redemption HPA minimum and KEDA ScaledObject minimum by the factor (capped at
 * their maximum), the headroom placeholders likewise, and the flash-sale NodePool's CPU limit;
 * then warms the catalog and drop caches and the services' connection pools through the
 * gateway. `--dry-run` prints the plan only. In the image it runs as the prewarm CronJob's
 * command (deploy/k8s/base/prewarm.yaml). Exit 0 done, 1 failed, 2 bad arguments.
 */
import { parseArgs } from 'node:util';
import { inClusterOptions, kubeClient, type KubeClient } from './kube-client.ts';
import {
  flashSaleCpuDefault,
  originalAnnotation,
  planRaise,
  planRestore,
  type Patch,
  type Scalable,
} from './prewarm-plan.ts';

const partOf = 'app.kubernetes.io/part-of=redemption';
const headroomName = 'headroom';
const flashSalePool = 'flash-sale';
/** Parallel requests per warm-up round: enough to open connections in every new pod. */
const warmConcurrency = 32;
const warmRounds = 5;
const warmTimeoutMs = 5_000;
const warmPaths = [
  '/api/products?limit=50',
  '/api/categories',
  '/api/loyalty/drops',
  '/health/ready',
];

// Kubernetes objects as JSON; only the read fields matter.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;
const originalOf = (o: Obj): number | undefined => {
  const raw = o.metadata?.annotations?.[originalAnnotation];
  return raw === undefined ? undefined : Number(raw);
};

const paths = (ns: string) => ({
  HorizontalPodAutoscaler: (n = '') =>
    `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${n}`,
  ScaledObject: (n = '') => `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects/${n}`,
  Deployment: (n = '') => `/apis/apps/v1/namespaces/${ns}/deployments/${n}`,
  NodePool: (n = '') => `/apis/karpenter.sh/v1/nodepools/${n}`,
});

/** What can be raised in the namespace (KEDA's own HPAs are left to their ScaledObjects). */
export async function readTargets(
  kube: KubeClient,
  ns: string,
  withPool: boolean,
): Promise<Scalable[]> {
  const p = paths(ns);
  const list = async (path: string) =>
    ((await kube.get(`${path}?labelSelector=${encodeURIComponent(partOf)}`)) as Obj).items as Obj[];
  const hpas = (await list(p.HorizontalPodAutoscaler())).filter(
    (h) => !h.metadata.name.startsWith('keda-hpa-'),
  );
  const scaled = await list(p.ScaledObject());
  const headroom = (await kube.get(p.Deployment(headroomName))) as Obj;
  const out: Scalable[] = [
    ...hpas.map((h) => ({
      kind: 'HorizontalPodAutoscaler' as const,
      name: h.metadata.name,
      value: h.spec.minReplicas ?? 1,
      max: h.spec.maxReplicas,
      original: originalOf(h),
    })),
    ...scaled.map((s) => ({
      kind: 'ScaledObject' as const,
      name: s.metadata.name,
      value: s.spec.minReplicaCount ?? 0,
      max: s.spec.maxReplicaCount,
      original: originalOf(s),
    })),
    {
      kind: 'Deployment',
      name: headroomName,
      value: headroom.spec.replicas ?? 0,
      original: originalOf(headroom),
    },
  ];
  if (withPool) {
    const pool = (await kube.get(p.NodePool(flashSalePool))) as Obj;
    out.push({
      kind: 'NodePool',
      name: flashSalePool,
      value: Number(pool.spec?.limits?.cpu ?? 0),
      original: originalOf(pool),
    });
  }
  return out;
}

function patchBody(patch: Patch): Obj {
  const field = {
    HorizontalPodAutoscaler: 'minReplicas',
    ScaledObject: 'minReplicaCount',
    Deployment: 'replicas',
    NodePool: 'limits',
  }[patch.kind];
  const value = patch.kind === 'NodePool' ? { cpu: String(patch.to) } : patch.to;
  return {
    metadata: {
      annotations: {
        [originalAnnotation]: patch.original === undefined ? null : String(patch.original),
      },
    },
    spec: { [field]: value },
  };
}

export async function applyPatches(
  kube: KubeClient,
  ns: string,
  patches: readonly Patch[],
): Promise<void> {
  const p = paths(ns);
  for (const patch of patches) await kube.mergePatch(p[patch.kind](patch.name), patchBody(patch));
}

/** Requests through the gateway so caches fill and every pod opens its pools. */
export async function warm(
  gatewayUrl: string,
  rounds = warmRounds,
): Promise<{ ok: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  for (let r = 0; r < rounds; r++) {
    await Promise.all(
      Array.from({ length: warmConcurrency }, async (_, i) => {
        const res = await fetch(new URL(warmPaths[i % warmPaths.length]!, gatewayUrl), {
          signal: AbortSignal.timeout(warmTimeoutMs),
        }).catch(() => undefined);
        if (res?.ok) ok++;
        else failed++;
        await res?.arrayBuffer().catch(() => undefined);
      }),
    );
  }
  return { ok, failed };
}

export interface PrewarmOptions {
  kube: KubeClient;
  namespace: string;
  factor?: number;
  restore: boolean;
  dryRun: boolean;
  withPool: boolean;
  flashSaleCpu?: number;
  gatewayUrl?: string;
  log: (line: string) => void;
}

export async function prewarm(o: PrewarmOptions): Promise<Patch[]> {
  const targets = await readTargets(o.kube, o.namespace, o.withPool);
  const patches = o.restore
    ? planRestore(targets)
    : planRaise(targets, o.factor ?? 1, o.flashSaleCpu);
  for (const p of patches)
    o.log(`${o.dryRun ? 'would set' : 'set'} ${p.kind}/${p.name}: ${p.from} -> ${p.to}`);
  if (patches.length === 0) o.log(o.restore ? 'nothing to restore' : 'already pre-warmed');
  if (o.dryRun) return patches;
  await applyPatches(o.kube, o.namespace, patches);
  if (!o.restore && o.gatewayUrl) {
    const { ok, failed } = await warm(o.gatewayUrl);
    o.log(`warmed through ${o.gatewayUrl}: ${ok} answers, ${failed} failures`);
  }
  return patches;
}

const usage =
  'usage: prewarm-command.ts (--factor N | --restore) [--dry-run] [--namespace NS] [--api-url URL] [--gateway-url URL] [--no-node-pool] [--flash-sale-cpu N]';

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      factor: { type: 'string' },
      restore: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      namespace: { type: 'string', default: process.env['PREWARM_NAMESPACE'] ?? 'redemption' },
      'api-url': { type: 'string' },
      'gateway-url': { type: 'string', default: process.env['GATEWAY_URL'] },
      'no-node-pool': { type: 'boolean', default: false },
      'flash-sale-cpu': { type: 'string', default: String(flashSaleCpuDefault) },
    },
  });
  const factor = values.factor === undefined ? undefined : Number(values.factor);
  if (values.restore === (factor !== undefined))
    throw new UsageError(`give --factor N or --restore\n${usage}`);
  const kube = kubeClient(values['api-url'] ? { baseUrl: values['api-url'] } : inClusterOptions());
  await prewarm({
    kube,
    namespace: values.namespace,
    ...(factor === undefined ? {} : { factor }),
    restore: values.restore,
    dryRun: values['dry-run'],
    withPool: !values['no-node-pool'],
    flashSaleCpu: Number(values['flash-sale-cpu']),
    ...(values['gateway-url'] ? { gatewayUrl: values['gateway-url'] } : {}),
    log: (line) => process.stdout.write(`${line}\n`),
  });
}

class UsageError extends Error {}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`prewarm: ${(err as Error).message}\n`);
    process.exit(
      err instanceof UsageError || /factor must be/.test((err as Error).message) ? 2 : 1,
    );
  });
}
