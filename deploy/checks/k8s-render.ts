/**
 * Renders the Kustomize trees with `kubectl kustomize` (kubectl is on the machine image; where
 * it is missing the checks skip with a printed reason, and fail in CI) and validates every
 * object against the Kubernetes and CRD schemas of the kubernetes-models packages.
 */
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import * as core from 'kubernetes-models';
import * as argoCd from '@kubernetes-models/argo-cd';
import * as argoRollouts from '@kubernetes-models/argo-rollouts';
import * as externalSecrets from '@kubernetes-models/external-secrets';
import * as karpenter from '@kubernetes-models/karpenter';
import * as keda from '@kubernetes-models/keda';
import * as prometheusOperator from '@kubernetes-models/prometheus-operator';

export const repoRoot = new URL('../../', import.meta.url).pathname;
export const environments = ['dev', 'staging', 'prod'] as const;
export type Environment = (typeof environments)[number];
/** Everything Argo CD applies: the three overlays and the GitOps tree. */
export const kustomizeTrees = [
  ...environments.map((e) => `deploy/k8s/overlays/${e}`),
  'deploy/gitops',
] as const;

const renderTimeoutMs = 60_000;
const renderBytesMax = 32 * 1024 * 1024;

/** A rendered Kubernetes object, as loosely typed as YAML gives it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // Rendered YAML: any shape; the policies check what they read.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [field: string]: any;
}

function commandExists(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Skip with a reason where kubectl is missing; never in CI (CI=true or REQUIRE_SERVICES=1). */
export function kubectlGate(): { ok: boolean; reason: string } {
  if (commandExists('kubectl')) return { ok: true, reason: '' };
  const what = 'kubectl is missing (it brings kustomize; Debian/Google Cloud package kubectl)';
  if (process.env['CI'] === 'true' || process.env['REQUIRE_SERVICES'] === '1')
    throw new Error(`${what}: the Kubernetes checks may not skip in CI`);
  const reason = `skipping the Kubernetes render checks: ${what}`;
  console.warn(reason);
  return { ok: false, reason };
}

export function render(tree: string): K8sObject[] {
  const out = execFileSync('kubectl', ['kustomize', `${repoRoot}${tree}`], {
    encoding: 'utf8',
    timeout: renderTimeoutMs,
    maxBuffer: renderBytesMax,
  });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

interface ModelClass {
  apiVersion?: string;
  kind?: string;
  new (data: unknown): { validate(): void };
}

/** apiVersion/kind -> model class, from every package's exported groups. */
function buildRegistry(): Map<string, ModelClass> {
  const registry = new Map<string, ModelClass>();
  const walk = (ns: unknown, depth: number) => {
    if (depth > 4 || ns === null || typeof ns !== 'object') return;
    for (const value of Object.values(ns as Record<string, unknown>)) {
      if (typeof value === 'function') {
        const m = value as ModelClass;
        if (m.apiVersion && m.kind && typeof m.prototype?.validate === 'function')
          registry.set(`${m.apiVersion}/${m.kind}`, m);
      } else walk(value, depth + 1);
    }
  };
  for (const pkg of [
    core,
    argoCd,
    argoRollouts,
    externalSecrets,
    karpenter,
    keda,
    prometheusOperator,
  ])
    walk(pkg, 0);
  return registry;
}

let registry: Map<string, ModelClass> | undefined;

/** Schema errors of one object ('' when valid); an unknown kind is an error too. */
export function schemaErrors(obj: K8sObject): string {
  registry ??= buildRegistry();
  const id = `${obj.kind}/${obj.metadata?.name}`;
  const Model = registry.get(`${obj.apiVersion}/${obj.kind}`);
  if (!Model) return `${id}: no schema for ${obj.apiVersion} ${obj.kind}`;
  try {
    new Model(obj).validate();
    return '';
  } catch (err) {
    return `${id}: ${(err as Error).message}`;
  }
}
