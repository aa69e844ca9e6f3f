/**
 * Every overlay (and the GitOps tree) renders with `kubectl kustomize`, every object validates
 * against the Kubernetes and CRD schemas, and the rendered objects pass the policies. The
 * "catches" tests break a copy of the rendered prod objects to prove each policy can fail.
 */
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  environments,
  kubectlGate,
  kustomizeTrees,
  render,
  repoRoot,
  schemaErrors,
  type K8sObject,
} from './k8s-render.ts';
import {
  allPolicies,
  autoscaling,
  networkAndServices,
  podBasics,
  releaseOrder,
  secretsByReference,
  serviceDeployments,
} from './k8s-policies.ts';

const gate = kubectlGate();
const rendered = new Map<string, K8sObject[]>();

describe.skipIf(!gate.ok)('deploy/k8s and deploy/gitops (kubectl kustomize)', () => {
  beforeAll(() => {
    for (const t of kustomizeTrees) rendered.set(t, render(t));
  });

  it.each(kustomizeTrees)('%s renders and every object matches its schema', (tree) => {
    const objs = rendered.get(tree)!;
    expect(objs.length).toBeGreaterThan(0);
    expect(objs.map(schemaErrors).filter(Boolean)).toEqual([]);
  });

  it.each(environments)('overlays/%s passes every policy', (env) => {
    expect(allPolicies(rendered.get(`deploy/k8s/overlays/${env}`)!, env)).toEqual([]);
  });

  it('renders every service with its canary, autoscaler and migration job in prod', () => {
    const prod = rendered.get('deploy/k8s/overlays/prod')!;
    const names = (kind: string) => prod.filter((o) => o.kind === kind).map((o) => o.metadata.name);
    expect(names('Deployment').sort()).toEqual(
      ['catalog', 'gateway', 'headroom', 'identity', 'loyalty', 'orders', 'payments'].sort(),
    );
    expect(names('Rollout').sort()).toEqual(['loyalty', 'orders']);
    expect(names('ScaledObject')).toEqual(['loyalty']);
    expect(names('NodePool').sort()).toEqual(['flash-sale', 'general']);
    expect(names('CronJob').sort()).toEqual(['prewarm', 'prewarm-restore']);
    const images = prod
      .filter((o) => o.kind === 'Deployment' && o.metadata.name !== 'headroom')
      .map((o) => o.spec.template.spec.containers[0].image);
    expect(new Set(images).size).toBe(1);
    expect(images[0]).toMatch(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/redemption:/);
  });

  it('runs only programs the image has (commands under /app exist in the repository)', () => {
    const prod = rendered.get('deploy/k8s/overlays/prod')!;
    const commands = prod
      .flatMap((o) => [o.spec?.template?.spec, o.spec?.jobTemplate?.spec?.template?.spec])
      .flatMap((spec) => [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])])
      .flatMap((c: K8sObject) => (c.command ?? []) as string[])
      .filter((arg) => arg.startsWith('/app/'));
    expect(commands).toContain('/app/apps/platform/src/prewarm/prewarm-command.ts');
    for (const c of commands)
      expect(existsSync(`${repoRoot}${c.slice('/app/'.length)}`), c).toBe(true);
  });

  describe('the policies catch what they are for', () => {
    const prod = () => structuredClone(rendered.get('deploy/k8s/overlays/prod')!);
    const named = (objs: K8sObject[], kind: string, name: string) =>
      objs.find((o) => o.kind === kind && o.metadata.name === name)!;
    const loyaltyPod = (objs: K8sObject[]) => named(objs, 'Deployment', 'loyalty').spec.template;

    it('a schema error (replicas as text)', () => {
      const d = named(prod(), 'Deployment', 'identity');
      d.spec.replicas = 'two';
      expect(schemaErrors(d)).toMatch(/replicas/);
    });

    it('a missing probe, limit, read-only root or PDB', () => {
      const objs = prod();
      const pod = loyaltyPod(objs);
      delete pod.spec.containers[0].readinessProbe;
      delete pod.spec.containers[0].resources.limits;
      pod.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
      const withoutPdb = objs.filter(
        (o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'loyalty'),
      );
      const found = [...podBasics(withoutPdb), ...serviceDeployments(withoutPdb)].join('\n');
      expect(found).toMatch(/loyalty container loyalty: no readinessProbe/);
      expect(found).toMatch(/loyalty container loyalty: no limits.cpu/);
      expect(found).toMatch(/loyalty container loyalty: root filesystem is not read-only/);
      expect(found).toMatch(/Deployment\/loyalty: no PodDisruptionBudget/);
    });

    it('a grace period shorter than preStop + SHUTDOWN_TIMEOUT_MS, no spread, :latest', () => {
      const objs = prod();
      const pod = loyaltyPod(objs);
      pod.spec.terminationGracePeriodSeconds = 30;
      pod.spec.topologySpreadConstraints = [];
      pod.spec.containers[0].image = 'redemption:latest';
      const found = [...podBasics(objs), ...serviceDeployments(objs)].join('\n');
      expect(found).toMatch(/terminationGracePeriodSeconds 30 is not longer/);
      expect(found).toMatch(/no topology spread over topology.kubernetes.io\/zone/);
      expect(found).toMatch(/uses :latest/);
    });

    it('a literal secret, a Secret object or a ConfigMap holding one', () => {
      const objs = prod();
      loyaltyPod(objs).spec.containers[0].env = [{ name: 'DATABASE_URL', value: 'postgres://x' }];
      named(objs, 'ConfigMap', 'redemption-common').data.INTERNAL_TOKEN_SECRET = 'x'.repeat(32);
      objs.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'oops' } });
      const found = secretsByReference(objs).join('\n');
      expect(found).toMatch(/DATABASE_URL is a literal value/);
      expect(found).toMatch(/INTERNAL_TOKEN_SECRET looks like a secret/);
      expect(found).toMatch(/Secret\/oops/);
    });

    it('prod minimums under 2 (3 for loyalty), no default deny, migrations not first, no analysis', () => {
      const objs = prod();
      named(objs, 'HorizontalPodAutoscaler', 'catalog').spec.minReplicas = 1;
      named(objs, 'ScaledObject', 'loyalty').spec.minReplicaCount = 2;
      const rest = objs.filter((o) => o.metadata.name !== 'default-deny');
      named(rest, 'Job', 'migrations').metadata.annotations!['argocd.argoproj.io/sync-wave'] = '1';
      delete named(rest, 'Rollout', 'orders').spec.strategy.canary.analysis;
      expect(autoscaling(rest, 'prod').join('\n')).toMatch(/catalog: prod minimum 1 is under 2/);
      expect(autoscaling(rest, 'prod').join('\n')).toMatch(/loyalty: prod minimum 2 is under 3/);
      expect(autoscaling(rest, 'dev')).toEqual([]);
      expect(networkAndServices(rest).join('\n')).toMatch(/no default-deny/);
      expect(releaseOrder(rest).join('\n')).toMatch(
        /Deployment\/loyalty: sync wave 0 is not after/,
      );
      expect(releaseOrder(rest).join('\n')).toMatch(/Rollout\/orders: no analysis/);
    });
  });
});
