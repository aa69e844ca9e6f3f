/**
 * deploy/terraform: every file parses (HCL, @cdktf/hcl2json), `terraform fmt -check` passes
 * where terraform exists (it skips with a printed reason elsewhere, CI included: terraform is
 * not on the machine image and no registry here serves it), and the parsed blocks pass the
 * policies. `terraform validate` needs the providers and modules from the Terraform registry,
 * which these machines cannot reach: the pull-request workflow runs it (.github/workflows).
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  allTerraformPolicies,
  backupsAndProtection,
  encryption,
  loadTerraform,
  noPublicData,
  stateAndPins,
  terraformRoot,
  type TfDir,
} from './terraform-policies.ts';

const terraformAvailable = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v terraform'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('skipping terraform fmt -check: terraform is not installed here');
    return false;
  }
})();

let dirs: Map<string, TfDir>;
beforeAll(async () => {
  dirs = await loadTerraform();
});

describe('deploy/terraform', () => {
  it('parses every file: bootstrap, the modules and both environments', () => {
    expect([...dirs.keys()].sort()).toEqual(
      [
        'bootstrap',
        'envs/dev',
        'envs/prod',
        'modules/ci',
        'modules/data',
        'modules/eks',
        'modules/network',
        'modules/registry',
        'modules/web',
      ].sort(),
    );
  });

  it.skipIf(!terraformAvailable)('is formatted (terraform fmt -check -recursive)', () => {
    const out = execFileSync(
      'terraform',
      ['fmt', '-check', '-recursive', '-list=true', terraformRoot],
      {
        encoding: 'utf8',
        env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' },
      },
    );
    expect(out.trim()).toBe('');
  });

  it('passes every policy', () => {
    expect(allTerraformPolicies(dirs)).toEqual([]);
  });

  describe('the policies catch what they are for', () => {
    const copy = () => structuredClone(dirs);
    const mod = (d: Map<string, TfDir>, path: string, name: string) => d.get(path)!.modules[name]!;

    it('unencrypted storage, Redis without TLS, MSK in plaintext, a public bucket', () => {
      const d = copy();
      mod(d, 'modules/data', 'aurora')['storage_encrypted'] = false;
      d.get('modules/data')!.resources['aws_elasticache_replication_group']!['redis']![
        'transit_encryption_enabled'
      ] = false;
      mod(d, 'modules/data', 'msk')['encryption_in_transit_client_broker'] = 'TLS_PLAINTEXT';
      mod(d, 'modules/web', 'bucket')['block_public_policy'] = false;
      const found = encryption(d).join('\n');
      expect(found).toMatch(/module.aurora: storage_encrypted is not true/);
      expect(found).toMatch(/redis: no TLS in transit/);
      expect(found).toMatch(/module.msk: clients not on TLS only/);
      expect(found).toMatch(/module.bucket: block_public_policy is not true/);
    });

    it('a public database, a public cluster API, a world-open security group', () => {
      const d = copy();
      mod(d, 'modules/data', 'aurora')['publicly_accessible'] = true;
      mod(d, 'modules/eks', 'eks')['cluster_endpoint_public_access'] = true;
      d.get('modules/data')!.resources['aws_security_group']!['redis']!['ingress'][0][
        'cidr_blocks'
      ] = ['0.0.0.0/0'];
      const found = noPublicData(d).join('\n');
      expect(found).toMatch(/aurora: publicly_accessible is not false/);
      expect(found).toMatch(/module.eks: public Kubernetes API/);
      expect(found).toMatch(/redis: ingress from 0.0.0.0\/0 on 6379/);
    });

    it('backups under 35 days (default or passed in) and no deletion protection in prod', () => {
      const d = copy();
      mod(d, 'envs/dev', 'data')['backup_retention_days'] = 7;
      mod(d, 'envs/prod', 'data')['deletion_protection'] = false;
      const found = backupsAndProtection(d).join('\n');
      expect(found).toMatch(/backup_retention_period 35\/7\/35 \(want >= 35\)/);
      expect(found).toMatch(/deletion_protection is false in prod/);
      const defaultOnly = copy();
      delete mod(defaultOnly, 'envs/prod', 'data')['deletion_protection'];
      expect(backupsAndProtection(defaultOnly)).toEqual([]); // the module's default is true
    });

    it('an unencrypted backend and an unpinned registry module', () => {
      const d = copy();
      d.get('envs/prod')!.terraform.find((t) => t['backend'])!['backend'].s3[0].encrypt = false;
      delete mod(d, 'modules/network', 'vpc')['version'];
      const found = stateAndPins(d).join('\n');
      expect(found).toMatch(/envs\/prod: the S3 backend is not encrypted/);
      expect(found).toMatch(/module.vpc: registry module without a version/);
    });
  });
});
