/**
 * .github: every workflow validates against GitHub's workflow schema (@action-validator/core,
 * the schema compiled to WebAssembly), every script and npm script a workflow runs exists,
 * AWS is reached by OIDC roles only, and prod needs a person's approval. Also the deploy
 * workflow's GitOps edit (deploy/scripts/set-image.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { validateWorkflow } from '@action-validator/core';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { overlayPath, setImage } from '../scripts/set-image.ts';

const root = new URL('../../', import.meta.url).pathname;
const workflowDir = `${root}.github/workflows/`;
const workflows = readdirSync(workflowDir).filter((f) => /\.ya?ml$/.test(f));
const text = (f: string) => readFileSync(`${workflowDir}${f}`, 'utf8');
const npmScripts = Object.keys(
  (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> })
    .scripts,
);

// Workflows are YAML of any shape; these tests read what they check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const jobsOf = (f: string): Record<string, Any> => (parse(text(f)) as Any).jobs;
const steps = (f: string): Any[] => Object.values(jobsOf(f)).flatMap((j: Any) => j.steps ?? []);

/** Local files and npm scripts a `run:` block calls. */
export function referencedScripts(run: string): { files: string[]; npm: string[] } {
  const files = [...run.matchAll(/\b(?:bash|sh|node)\s+((?:\.\/)?[\w.-]+\/[\w./-]+)/g)].map(
    (m) => m[1]!,
  );
  const npm = [...run.matchAll(/\bnpm run\s+([\w:-]+)/g)].map((m) => m[1]!);
  return { files, npm };
}

describe('.github/workflows', () => {
  it('has the four pipelines', () => {
    expect(workflows.sort()).toEqual(['ci.yml', 'deploy.yml', 'image.yml', 'terraform.yml']);
  });

  it.each(workflows)('%s matches the workflow schema', (f) => {
    expect(validateWorkflow(text(f)).errors).toEqual([]);
  });

  it.each(workflows)('%s calls only scripts and npm scripts that exist', (f) => {
    const missing: string[] = [];
    for (const s of steps(f)) {
      if (typeof s.uses === 'string' && s.uses.startsWith('./') && !existsSync(`${root}${s.uses}`))
        missing.push(s.uses);
      if (typeof s.run !== 'string') continue;
      const { files, npm } = referencedScripts(s.run);
      missing.push(...files.filter((p) => !existsSync(`${root}${p}`)));
      missing.push(...npm.filter((n) => !npmScripts.includes(n)).map((n) => `npm run ${n}`));
    }
    for (const j of Object.values(jobsOf(f)))
      if (typeof j.uses === 'string' && j.uses.startsWith('./') && !existsSync(`${root}${j.uses}`))
        missing.push(j.uses);
    expect(missing).toEqual([]);
  });

  it('finds the scripts in a run block (so the check above can fail)', () => {
    expect(
      referencedScripts('bash deploy/scripts/publish-web.sh a b\nnpm run image && node x/y.ts'),
    ).toEqual({
      files: ['deploy/scripts/publish-web.sh', 'x/y.ts'],
      npm: ['image'],
    });
  });

  it('reaches AWS by OIDC role only, with id-token where it does', () => {
    for (const f of workflows) {
      expect(text(f), f).not.toMatch(
        /aws-access-key-id|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/,
      );
      const doc = parse(text(f)) as Any;
      for (const [name, job] of Object.entries(jobsOf(f)) as Array<[string, Any]>) {
        const usesAws = (job.steps ?? []).some((s: Any) =>
          String(s.uses).startsWith('aws-actions/configure-aws-credentials'),
        );
        if (!usesAws) continue;
        const idToken = job.permissions?.['id-token'] ?? doc.permissions?.['id-token'];
        expect(idToken, `${f} ${name}`).toBe('write');
      }
    }
  });

  it('deploys by a GitOps commit per environment, prod after dev and staging, in GitHub environments', () => {
    const image = jobsOf('image.yml');
    expect(image['prod'].uses).toBe('./.github/workflows/deploy.yml');
    expect(image['prod'].with.environment).toBe('prod');
    expect(image['prod'].needs).toContain('staging');
    expect(image['staging'].needs).toContain('dev');
    const deploy = jobsOf('deploy.yml')['deploy'];
    // The GitHub environment named after the target: `prod` has required reviewers (README).
    expect(deploy.environment).toBe('${{ inputs.environment }}');
    expect(deploy.steps.map((s: Any) => s.run ?? '').join('\n')).toMatch(
      /set-image\.ts[\s\S]*git push/,
    );
    const apply = jobsOf('terraform.yml')['apply'];
    expect(apply.environment).toBe('${{ matrix.env }}-infra');
  });
});

describe('deploy/scripts/set-image.ts', () => {
  const digest = `sha256:${'ab'.repeat(32)}`;
  const prod = readFileSync(overlayPath(root, 'prod'), 'utf8');

  it('sets the redemption image of an overlay and nothing else', () => {
    const out = setImage(prod, {
      repository: '444444444444.dkr.ecr.eu-west-1.amazonaws.com/redemption',
      tag: 'sha-0123456789ab',
      digest,
    });
    expect(out).toContain(`newTag: sha-0123456789ab`);
    expect(out).toContain(`digest: ${digest}`);
    const removed = (s: string) => s.split('\n').filter((l) => !/newTag|digest|newName/.test(l));
    expect(removed(out)).toEqual(removed(prod));
  });

  it('refuses :latest, a bad digest or a bad repository', () => {
    const repository = '1.dkr.ecr.eu-west-1.amazonaws.com/redemption';
    expect(() => setImage(prod, { repository, tag: 'latest', digest })).toThrow(/release tag/);
    expect(() => setImage(prod, { repository, tag: 'sha-1', digest: 'sha256:abc' })).toThrow(
      /digest/,
    );
    expect(() => setImage(prod, { repository: 'not a repo', tag: 'sha-1', digest })).toThrow(
      /repository/,
    );
  });
});
