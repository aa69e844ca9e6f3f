/**
 * Terraform read as data: every .tf file under deploy/terraform parsed with @cdktf/hcl2json
 * (HashiCorp's HCL parser compiled to WebAssembly; no terraform, providers or modules needed),
 * then policies over the parsed blocks. Values that are expressions stay strings
 * ("${var.x}"); `resolve` follows a `var.` reference to the variable's default and to what the
 * environments pass in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from '@cdktf/hcl2json';

export const terraformRoot = new URL('../terraform/', import.meta.url).pathname;

// hcl2json's JSON: blocks keyed by type and name, each a list of bodies.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = Record<string, any>;
/** One directory of .tf files (a module or an environment), merged. */
export interface TfDir {
  path: string;
  modules: Record<string, Body>;
  resources: Record<string, Record<string, Body>>;
  variables: Record<string, Body>;
  terraform: Body[];
}

function tfFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('.') ? [] : tfFiles(p);
    return e.name.endsWith('.tf') ? [p] : [];
  });
}

/** Parses every .tf file, grouped by directory; a parse error throws naming the file. */
export async function loadTerraform(root = terraformRoot): Promise<Map<string, TfDir>> {
  const dirs = new Map<string, TfDir>();
  for (const file of tfFiles(root)) {
    const rel = relative(root, file);
    const dirPath = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.';
    const json = (await parse(rel, readFileSync(file, 'utf8'))) as Body;
    const d = dirs.get(dirPath) ?? {
      path: dirPath,
      modules: {},
      resources: {},
      variables: {},
      terraform: [],
    };
    for (const [name, bodies] of Object.entries(json['module'] ?? {}))
      d.modules[name] = (bodies as Body[])[0]!;
    for (const [type, byName] of Object.entries(json['resource'] ?? {}))
      for (const [name, bodies] of Object.entries(byName as Body))
        (d.resources[type] ??= {})[name] = (bodies as Body[])[0]!;
    for (const [name, bodies] of Object.entries(json['variable'] ?? {}))
      d.variables[name] = (bodies as Body[])[0]!;
    d.terraform.push(...((json['terraform'] ?? []) as Body[]));
    dirs.set(dirPath, d);
  }
  return dirs;
}

const varRef = /^\$\{var\.([a-z0-9_]+)\}$/;

/**
 * The values an attribute can take: itself when literal; for `var.x`, what each module block
 * calling this directory passes (or the variable's default when it passes nothing), followed
 * up the chain. `only` limits the callers to one directory (e.g. envs/prod).
 */
export function resolve(
  dirs: Map<string, TfDir>,
  dir: TfDir,
  value: unknown,
  only?: string,
): unknown[] {
  const m = typeof value === 'string' ? varRef.exec(value) : null;
  if (!m) return [value];
  const name = m[1]!;
  const variable = dir.variables[name];
  const fallback = variable && 'default' in variable ? [variable['default']] : [];
  const callers = [...dirs.values()].flatMap((caller) =>
    Object.values(caller.modules)
      .filter((mod) => mod['source'] === `../../${dir.path}`)
      .map((mod) => ({ caller, mod })),
  );
  if (callers.length === 0) return fallback;
  const values = callers
    .filter(({ caller }) => !only || caller.path === only)
    .flatMap(({ caller, mod }) =>
      name in mod ? resolve(dirs, caller, mod[name], only) : fallback,
    );
  return only ? values : [...fallback, ...values];
}

const modulesFrom = (dirs: Map<string, TfDir>, source: RegExp) =>
  [...dirs.values()].flatMap((d) =>
    Object.entries(d.modules)
      .filter(([, m]) => source.test(String(m['source'])))
      .map(([name, m]) => ({ dir: d, name, m, where: `${d.path}: module.${name}` })),
  );
const resourcesOf = (dirs: Map<string, TfDir>, type: string) =>
  [...dirs.values()].flatMap((d) =>
    Object.entries(d.resources[type] ?? {}).map(([name, r]) => ({
      dir: d,
      r,
      where: `${d.path}: ${type}.${name}`,
    })),
  );

/** Backups kept at least this long (the seed; also Aurora's maximum). */
export const backupRetentionDaysMin = 35;

/** Encryption on everywhere data rests or travels. */
export function encryption(dirs: Map<string, TfDir>): string[] {
  const v: string[] = [];
  const want = (where: string, ok: boolean, what: string) => ok || v.push(`${where}: ${what}`);
  for (const { m, where } of modulesFrom(dirs, /rds-aurora/)) {
    want(where, m['storage_encrypted'] === true, 'storage_encrypted is not true');
    want(where, !!m['kms_key_id'], 'no kms_key_id');
  }
  for (const { r, where } of resourcesOf(dirs, 'aws_elasticache_replication_group')) {
    want(where, r['at_rest_encryption_enabled'] === true, 'not encrypted at rest');
    want(where, r['transit_encryption_enabled'] === true, 'no TLS in transit');
    want(where, !!r['auth_token'], 'no AUTH token');
  }
  for (const { m, where } of modulesFrom(dirs, /msk-kafka-cluster/)) {
    want(where, m['encryption_in_transit_client_broker'] === 'TLS', 'clients not on TLS only');
    want(where, m['encryption_in_transit_in_cluster'] === true, 'brokers not on TLS');
    want(where, !!m['encryption_at_rest_kms_key_arn'], 'no KMS key at rest');
    want(where, m['client_authentication']?.sasl?.iam === true, 'no IAM client authentication');
  }
  for (const { m, where } of modulesFrom(dirs, /s3-bucket/)) {
    want(where, !!m['server_side_encryption_configuration'], 'no server-side encryption');
    for (const k of [
      'block_public_acls',
      'block_public_policy',
      'ignore_public_acls',
      'restrict_public_buckets',
    ])
      want(where, m[k] === true, `${k} is not true`);
  }
  for (const { r, where } of resourcesOf(dirs, 'aws_kms_key'))
    want(where, r['enable_key_rotation'] === true, 'key rotation off');
  for (const { m, where } of modulesFrom(dirs, /rds-proxy/))
    want(where, m['require_tls'] === true, 'RDS Proxy does not require TLS');
  return v;
}

/** No database, cache, broker or cluster API on the internet. */
export function noPublicData(dirs: Map<string, TfDir>): string[] {
  const v: string[] = [];
  for (const { m, where } of modulesFrom(dirs, /rds-aurora/))
    if (m['publicly_accessible'] !== false) v.push(`${where}: publicly_accessible is not false`);
  for (const { m, where } of modulesFrom(dirs, /terraform-aws-modules\/eks\/aws$/))
    if (m['cluster_endpoint_public_access'] !== false) v.push(`${where}: public Kubernetes API`);
  for (const { r, where } of resourcesOf(dirs, 'aws_security_group'))
    for (const rule of (r['ingress'] ?? []) as Body[])
      if ((rule['cidr_blocks'] ?? []).includes('0.0.0.0/0'))
        v.push(`${where}: ingress from 0.0.0.0/0 on ${rule['from_port']}`);
  return v;
}

/** Backups >= 35 days; deletion protection and a final snapshot in prod. */
export function backupsAndProtection(dirs: Map<string, TfDir>): string[] {
  const v: string[] = [];
  for (const { dir, m, where } of modulesFrom(dirs, /rds-aurora/)) {
    const days = resolve(dirs, dir, m['backup_retention_period']);
    if (days.length === 0 || days.some((d) => Number(d) < backupRetentionDaysMin))
      v.push(
        `${where}: backup_retention_period ${days.join('/') || 'unset'} (want >= ${backupRetentionDaysMin})`,
      );
    if (m['skip_final_snapshot'] !== false) v.push(`${where}: skips the final snapshot`);
    if (!m['performance_insights_enabled']) v.push(`${where}: Performance Insights off`);
    const prod = resolve(dirs, dir, m['deletion_protection'], 'envs/prod');
    if (prod.length === 0 || prod.some((x) => x !== true))
      v.push(`${where}: deletion_protection is ${prod.join('/') || 'unset'} in prod`);
  }
  return v;
}

/** Remote state (S3, encrypted, DynamoDB lock) for every environment; pinned module versions. */
export function stateAndPins(dirs: Map<string, TfDir>): string[] {
  const v: string[] = [];
  for (const d of [...dirs.values()].filter((x) => x.path.startsWith('envs/'))) {
    const s3 = d.terraform.flatMap((t) => (t['backend']?.s3 ?? []) as Body[])[0];
    if (!s3) v.push(`${d.path}: no S3 backend`);
    else if (s3['encrypt'] !== true || !s3['dynamodb_table'])
      v.push(`${d.path}: the S3 backend is not encrypted with a DynamoDB lock`);
  }
  for (const { m, where } of modulesFrom(dirs, /^terraform-aws-modules\//))
    if (!m['version']) v.push(`${where}: registry module without a version`);
  return v;
}

export const allTerraformPolicies = (dirs: Map<string, TfDir>): string[] => [
  ...encryption(dirs),
  ...noPublicData(dirs),
  ...backupsAndProtection(dirs),
  ...stateAndPins(dirs),
];
