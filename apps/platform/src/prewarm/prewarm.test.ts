import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeClient } from './kube-client.ts';
import { prewarm } from './prewarm-command.ts';
import { originalAnnotation, planRaise, planRestore, type Scalable } from './prewarm-plan.ts';

describe('planRaise / planRestore', () => {
  const objs: Scalable[] = [
    { kind: 'HorizontalPodAutoscaler', name: 'catalog', value: 2, max: 30 },
    { kind: 'HorizontalPodAutoscaler', name: 'identity', value: 2, max: 5 },
    { kind: 'ScaledObject', name: 'loyalty', value: 3, max: 60 },
    { kind: 'Deployment', name: 'headroom', value: 2 },
    { kind: 'NodePool', name: 'flash-sale', value: 0 },
  ];

  it('multiplies minimums and headroom, caps at the maximum, opens the flash-sale pool', () => {
    expect(planRaise(objs, 3).map((p) => [p.name, p.from, p.to, p.original])).toEqual([
      ['catalog', 2, 6, 2],
      ['identity', 2, 5, 2],
      ['loyalty', 3, 9, 3],
      ['headroom', 2, 6, 2],
      ['flash-sale', 0, 400, 0],
    ]);
  });

  it('a second prewarm multiplies the original, not the raised value', () => {
    const raised = objs.map((o) => {
      const p = planRaise([o], 3)[0]!;
      return { ...o, value: p.to, original: p.original };
    });
    expect(planRaise(raised, 3)).toEqual([]);
    expect(planRaise(raised, 4).find((p) => p.name === 'catalog')).toMatchObject({
      from: 6,
      to: 8,
      original: 2,
    });
  });

  it('restores what was recorded and only that', () => {
    const raised: Scalable[] = [
      { kind: 'HorizontalPodAutoscaler', name: 'catalog', value: 6, max: 30, original: 2 },
      { kind: 'HorizontalPodAutoscaler', name: 'orders', value: 3, max: 30 },
    ];
    expect(planRestore(raised)).toEqual([
      { kind: 'HorizontalPodAutoscaler', name: 'catalog', from: 6, to: 2, original: undefined },
    ]);
  });

  it('refuses a factor outside 1..20', () => {
    expect(() => planRaise(objs, 0.5)).toThrow(/factor must be between 1 and 20/);
    expect(() => planRaise(objs, 100)).toThrow(/factor must be/);
    expect(() => planRaise(objs, Number.NaN)).toThrow(/factor must be/);
  });
});

/** A fake API server holding a few objects; records the patches it gets. */
function fakeApi() {
  const objects: Record<string, Record<string, unknown>> = {
    '/apis/autoscaling/v2/namespaces/redemption/horizontalpodautoscalers/catalog': {
      metadata: { name: 'catalog', annotations: {} },
      spec: { minReplicas: 2, maxReplicas: 30 },
    },
    '/apis/autoscaling/v2/namespaces/redemption/horizontalpodautoscalers/keda-hpa-loyalty': {
      metadata: { name: 'keda-hpa-loyalty' },
      spec: { minReplicas: 3, maxReplicas: 60 },
    },
    '/apis/keda.sh/v1alpha1/namespaces/redemption/scaledobjects/loyalty': {
      metadata: { name: 'loyalty' },
      spec: { minReplicaCount: 3, maxReplicaCount: 60 },
    },
    '/apis/apps/v1/namespaces/redemption/deployments/headroom': {
      metadata: { name: 'headroom' },
      spec: { replicas: 2 },
    },
    '/apis/karpenter.sh/v1/nodepools/flash-sale': {
      metadata: { name: 'flash-sale' },
      spec: { limits: { cpu: '0' } },
    },
  };
  const patches: Array<{ path: string; body: unknown; type: string | undefined }> = [];
  const read = (req: IncomingMessage) =>
    new Promise<string>((r) => {
      let s = '';
      req.on('data', (c: Buffer) => (s += c.toString()));
      req.on('end', () => r(s));
    });
  const server = createServer(async (req, res) => {
    const path = req.url!.split('?')[0]!;
    if (req.method === 'PATCH') {
      const body = JSON.parse(await read(req));
      patches.push({ path, body, type: req.headers['content-type'] });
      const o = objects[path] as {
        metadata: { annotations?: Record<string, string | null> };
        spec: object;
      };
      o.metadata.annotations = { ...o.metadata.annotations, ...body.metadata.annotations };
      o.spec = { ...o.spec, ...body.spec };
      return res.end(JSON.stringify(o));
    }
    const items = Object.entries(objects).filter(([p]) => p.startsWith(path) && p !== path);
    if (path.endsWith('/')) return res.end(JSON.stringify({ items: items.map(([, o]) => o) }));
    if (!objects[path]) return res.writeHead(404).end('{}');
    res.end(JSON.stringify(objects[path]));
  });
  return { server, patches, objects };
}

describe('prewarm against a Kubernetes API', () => {
  let servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    servers = [];
  });
  const listen = async (s: Server) => {
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  };

  it('raises by merge patches with the original recorded, warms through the gateway, then restores', async () => {
    const api = fakeApi();
    const kube = kubeClient({ baseUrl: await listen(api.server) });
    const warmed: string[] = [];
    const gateway = await listen(
      createServer((req, res) => (warmed.push(req.url!), res.end('{}'))),
    );
    const log: string[] = [];
    const base = {
      kube,
      namespace: 'redemption',
      dryRun: false,
      withPool: true,
      log: (l: string) => log.push(l),
    };

    await prewarm({ ...base, factor: 3, restore: false, gatewayUrl: gateway });
    expect(api.patches.map((p) => [p.path.split('/').pop(), p.body, p.type])).toEqual([
      [
        'catalog',
        { metadata: { annotations: { [originalAnnotation]: '2' } }, spec: { minReplicas: 6 } },
        'application/merge-patch+json',
      ],
      [
        'loyalty',
        { metadata: { annotations: { [originalAnnotation]: '3' } }, spec: { minReplicaCount: 9 } },
        'application/merge-patch+json',
      ],
      [
        'headroom',
        { metadata: { annotations: { [originalAnnotation]: '2' } }, spec: { replicas: 6 } },
        'application/merge-patch+json',
      ],
      [
        'flash-sale',
        {
          metadata: { annotations: { [originalAnnotation]: '0' } },
          spec: { limits: { cpu: '400' } },
        },
        'application/merge-patch+json',
      ],
    ]);
    expect(warmed).toContain('/api/products?limit=50');
    expect(warmed).toContain('/api/loyalty/drops');
    expect(log.at(-1)).toMatch(/answers, 0 failures/);

    api.patches.length = 0;
    await prewarm({ ...base, restore: true });
    expect(api.patches.map((p) => [p.path.split('/').pop(), p.body])).toEqual([
      [
        'catalog',
        { metadata: { annotations: { [originalAnnotation]: null } }, spec: { minReplicas: 2 } },
      ],
      [
        'loyalty',
        { metadata: { annotations: { [originalAnnotation]: null } }, spec: { minReplicaCount: 3 } },
      ],
      [
        'headroom',
        { metadata: { annotations: { [originalAnnotation]: null } }, spec: { replicas: 2 } },
      ],
      [
        'flash-sale',
        {
          metadata: { annotations: { [originalAnnotation]: null } },
          spec: { limits: { cpu: '0' } },
        },
      ],
    ]);
  });

  it('--dry-run changes nothing', async () => {
    const api = fakeApi();
    const kube = kubeClient({ baseUrl: await listen(api.server) });
    const log: string[] = [];
    const patches = await prewarm({
      kube,
      namespace: 'redemption',
      factor: 2,
      restore: false,
      dryRun: true,
      withPool: false,
      log: (l) => log.push(l),
    });
    expect(patches.length).toBe(3);
    expect(api.patches).toEqual([]);
    expect(log[0]).toBe('would set HorizontalPodAutoscaler/catalog: 2 -> 4');
  });
});
