/**
 * Policies over rendered objects (deploy/README.md lists them). Each returns the violations it
 * finds as sentences naming the object; an empty list is a pass.
 */
import type { Environment, K8sObject } from './k8s-render.ts';

type Pod = K8sObject;
const id = (o: K8sObject): string => `${o.kind}/${o.metadata.name}`;

/** Seconds the ALB and kube-proxy need after a pod starts terminating (preStop sleep). */
export const preStopSecondsMin = 5;
/** Names whose values are credentials: never a literal in a manifest. */
const secretName = /^(DATABASE_URL|REDIS_URL)$|_SECRET$|_TOKEN$|SECRET_KEY$|PASSWORD|PRIVATE/;
/** Prod minimums: the seed's 99.99% needs a pod in more than one zone; loyalty more. */
export const prodReplicasMin = 2;
export const prodReplicasMinByName: Record<string, number> = { loyalty: 3 };

/** Workloads whose pod template is checked: Deployments, Jobs, CronJobs' jobs. */
function podTemplates(objs: K8sObject[]): Array<{ owner: K8sObject; pod: Pod }> {
  const out: Array<{ owner: K8sObject; pod: Pod }> = [];
  for (const o of objs) {
    if (o.kind === 'Deployment' || o.kind === 'Job') out.push({ owner: o, pod: o.spec?.template });
    if (o.kind === 'CronJob') out.push({ owner: o, pod: o.spec?.jobTemplate?.spec?.template });
  }
  return out;
}

const containersOf = (pod: Pod) => [
  ...((pod?.spec?.initContainers ?? []) as K8sObject[]),
  ...((pod?.spec?.containers ?? []) as K8sObject[]),
];

/** Requests and limits, the security context and no `:latest`, for every pod of every kind. */
export function podBasics(objs: K8sObject[]): string[] {
  const v: string[] = [];
  for (const { owner, pod } of podTemplates(objs)) {
    const ps = pod?.spec?.securityContext ?? {};
    if (ps.runAsNonRoot !== true)
      v.push(`${id(owner)}: pod securityContext.runAsNonRoot is not true`);
    if (ps.seccompProfile?.type !== 'RuntimeDefault')
      v.push(`${id(owner)}: pod seccompProfile is not RuntimeDefault`);
    for (const c of containersOf(pod)) {
      const where = `${id(owner)} container ${c.name}`;
      for (const kind of ['requests', 'limits'])
        for (const r of ['cpu', 'memory'])
          if (!c.resources?.[kind]?.[r]) v.push(`${where}: no ${kind}.${r}`);
      const cs = c.securityContext ?? {};
      if (cs.readOnlyRootFilesystem !== true) v.push(`${where}: root filesystem is not read-only`);
      if (cs.allowPrivilegeEscalation !== false) v.push(`${where}: privilege escalation allowed`);
      if (!(cs.capabilities?.drop ?? []).includes('ALL'))
        v.push(`${where}: capabilities not dropped`);
      v.push(...imageProblems(where, String(c.image ?? '')));
    }
  }
  return v;
}

function imageProblems(where: string, image: string): string[] {
  if (image.includes('@sha256:')) return [];
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  if (!tag) return [`${where}: image ${image} has no tag or digest`];
  return tag === 'latest' ? [`${where}: image ${image} uses :latest`] : [];
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  !!selector &&
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, val]) => labels[k] === val);

/** The services' Deployments: probes, graceful shutdown, PDB, spread and NetworkPolicy. */
export function serviceDeployments(objs: K8sObject[]): string[] {
  const v: string[] = [];
  const pdbs = objs.filter((o) => o.kind === 'PodDisruptionBudget');
  const policies = objs.filter((o) => o.kind === 'NetworkPolicy');
  const shutdownMs = Number(
    objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'redemption-common')?.data
      ?.SHUTDOWN_TIMEOUT_MS ?? 25_000,
  );
  for (const d of objs.filter((o) => o.kind === 'Deployment')) {
    const labels: Record<string, string> = d.spec?.template?.metadata?.labels ?? {};
    const isService = labels['app.kubernetes.io/component'] === 'api';
    if (!pdbs.some((p) => selects(p.spec?.selector?.matchLabels, labels)))
      v.push(`${id(d)}: no PodDisruptionBudget selects its pods`);
    if (!policies.some((p) => selects(p.spec?.podSelector?.matchLabels, labels)))
      v.push(`${id(d)}: no NetworkPolicy of its own selects its pods`);
    const keys = (d.spec?.template?.spec?.topologySpreadConstraints ?? []).map(
      (t: K8sObject) => t.topologyKey,
    );
    for (const k of ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'])
      if (!keys.includes(k)) v.push(`${id(d)}: no topology spread over ${k}`);
    if (!isService) continue; // placeholders (pause) have nothing to probe or drain
    v.push(...probesAndShutdown(d, shutdownMs));
  }
  return v;
}

function probesAndShutdown(d: K8sObject, shutdownMs: number): string[] {
  const v: string[] = [];
  const spec = d.spec.template.spec;
  for (const c of spec.containers as K8sObject[]) {
    for (const p of ['startupProbe', 'readinessProbe', 'livenessProbe'])
      if (!c[p]?.httpGet?.path?.startsWith('/health/'))
        v.push(`${id(d)} container ${c.name}: no ${p} on a /health route`);
    const preStopS = Number(c.lifecycle?.preStop?.sleep?.seconds ?? 0);
    if (preStopS < preStopSecondsMin)
      v.push(`${id(d)} container ${c.name}: preStop sleep under ${preStopSecondsMin} s`);
    const graceS = Number(spec.terminationGracePeriodSeconds ?? 30);
    if (graceS <= preStopS + shutdownMs / 1000)
      v.push(
        `${id(d)}: terminationGracePeriodSeconds ${graceS} is not longer than preStop ${preStopS} s + SHUTDOWN_TIMEOUT_MS ${shutdownMs} ms`,
      );
  }
  return v;
}

/** No Secret objects, no credential as a literal, every secret reference made by an ExternalSecret. */
export function secretsByReference(objs: K8sObject[]): string[] {
  const v: string[] = [];
  const made = new Set(
    objs
      .filter((o) => o.kind === 'ExternalSecret')
      .map((o) => o.spec?.target?.name ?? o.metadata.name),
  );
  for (const o of objs) {
    if (o.kind === 'Secret') v.push(`${id(o)}: a Secret in the manifests (use an ExternalSecret)`);
    if (o.kind === 'ConfigMap')
      for (const k of Object.keys(o.data ?? {}))
        if (secretName.test(k)) v.push(`${id(o)}: ${k} looks like a secret in a ConfigMap`);
  }
  for (const { owner, pod } of podTemplates(objs))
    for (const c of containersOf(pod)) {
      for (const e of (c.env ?? []) as K8sObject[])
        if (secretName.test(e.name) && e.value !== undefined)
          v.push(`${id(owner)} container ${c.name}: ${e.name} is a literal value`);
      for (const ref of (c.envFrom ?? []) as K8sObject[])
        if (ref.secretRef && !made.has(ref.secretRef.name))
          v.push(`${id(owner)}: secret ${ref.secretRef.name} is made by no ExternalSecret`);
    }
  return v;
}

/** Autoscalers point at something rendered; prod keeps enough replicas for a zone loss. */
export function autoscaling(objs: K8sObject[], env: Environment): string[] {
  const v: string[] = [];
  const exists = (ref: K8sObject) =>
    objs.some((o) => o.kind === ref.kind && o.metadata.name === ref.name);
  for (const o of objs) {
    const min =
      o.kind === 'HorizontalPodAutoscaler'
        ? o.spec?.minReplicas
        : o.kind === 'ScaledObject'
          ? o.spec?.minReplicaCount
          : undefined;
    if (min === undefined) continue;
    if (!exists(o.spec.scaleTargetRef)) v.push(`${id(o)}: its scale target is not rendered`);
    const need = prodReplicasMinByName[o.metadata.name] ?? prodReplicasMin;
    if (env === 'prod' && Number(min) < need)
      v.push(`${id(o)}: prod minimum ${min} is under ${need}`);
  }
  return v;
}

/** Default deny both ways, and every Service selects pods that exist. */
export function networkAndServices(objs: K8sObject[]): string[] {
  const v: string[] = [];
  const denyAll = objs.some(
    (o) =>
      o.kind === 'NetworkPolicy' &&
      Object.keys(o.spec?.podSelector ?? { x: 1 }).length === 0 &&
      ['Ingress', 'Egress'].every((t) => o.spec?.policyTypes?.includes(t)) &&
      !o.spec?.ingress &&
      !o.spec?.egress,
  );
  if (!denyAll) v.push('no default-deny NetworkPolicy (empty podSelector, Ingress and Egress)');
  const podLabels = podTemplates(objs).map(({ pod }) => pod?.metadata?.labels ?? {});
  for (const s of objs.filter((o) => o.kind === 'Service'))
    if (!podLabels.some((l) => selects(s.spec?.selector, l)))
      v.push(`${id(s)}: selects no pods of a rendered workload`);
  return v;
}

/** Migrations run first (a Sync hook in a wave before the workloads); canaries are analysed. */
export function releaseOrder(objs: K8sObject[]): string[] {
  const v: string[] = [];
  const wave = (o: K8sObject) =>
    Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  const job = objs.find((o) => o.kind === 'Job' && o.metadata.name === 'migrations');
  if (!job) return ['no migrations Job'];
  if (!job.metadata.annotations?.['argocd.argoproj.io/hook'])
    v.push('Job/migrations is not an Argo CD hook (it would run with every sync of the pods)');
  for (const o of objs.filter((x) => ['Deployment', 'Rollout'].includes(x.kind)))
    if (wave(o) <= wave(job)) v.push(`${id(o)}: sync wave ${wave(o)} is not after migrations`);
  const templates = new Set(
    objs.filter((o) => o.kind === 'AnalysisTemplate').map((o) => o.metadata.name),
  );
  for (const name of ['loyalty', 'orders']) {
    const r = objs.find((o) => o.kind === 'Rollout' && o.metadata.name === name);
    if (!r) {
      v.push(`no Rollout for ${name}`);
      continue;
    }
    const canary = r.spec?.strategy?.canary ?? {};
    const weights = (canary.steps ?? []).flatMap((s: K8sObject) =>
      s.setWeight === undefined ? [] : [s.setWeight],
    );
    if (weights.join() !== '10,50,100')
      v.push(`${id(r)}: canary weights ${weights} (want 10,50,100)`);
    for (const t of canary.analysis?.templates ?? [])
      if (!templates.has(t.templateName))
        v.push(`${id(r)}: AnalysisTemplate ${t.templateName} missing`);
    if (!canary.analysis) v.push(`${id(r)}: no analysis, so no automatic rollback`);
  }
  return v;
}

export const allPolicies = (objs: K8sObject[], env: Environment): string[] => [
  ...podBasics(objs),
  ...serviceDeployments(objs),
  ...secretsByReference(objs),
  ...autoscaling(objs, env),
  ...networkAndServices(objs),
  ...releaseOrder(objs),
];
