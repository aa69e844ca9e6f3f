#!/usr/bin/env node
/**
 * The deploy workflow's GitOps edit: points one overlay at one image, by tag and digest.
 *   node deploy/scripts/set-image.ts <env> <repository> <tag> <sha256:digest>
 * Only the `images` entry named `redemption` in deploy/k8s/overlays/<env>/kustomization.yaml
 * changes (comments and order kept); anything unexpected is refused with exit 2, so a bad
 * input never becomes a commit.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';

export const environmentNames = ['dev', 'staging', 'prod'] as const;
const repositoryPattern = /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;

export function overlayPath(root: string, env: string): string {
  return `${root}deploy/k8s/overlays/${env}/kustomization.yaml`;
}

/** The new file text, or an Error saying which argument is wrong. */
export function setImage(
  text: string,
  args: { repository: string; tag: string; digest: string },
): string {
  if (!repositoryPattern.test(args.repository))
    throw new Error(`repository ${args.repository} is not an image repository`);
  if (!tagPattern.test(args.tag) || args.tag === 'latest')
    throw new Error(`tag ${args.tag} is not a release tag`);
  if (!digestPattern.test(args.digest))
    throw new Error(`digest ${args.digest} is not sha256:<64 hex>`);
  const doc = parseDocument(text);
  const images = doc.get('images') as YAMLSeq<YAMLMap> | undefined;
  const entry = images?.items.find((i) => i.get('name') === 'redemption');
  if (!entry) throw new Error('the overlay has no images entry named redemption');
  entry.set('newName', args.repository);
  entry.set('newTag', args.tag);
  entry.set('digest', args.digest);
  return doc.toString();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [env, repository, tag, digest] = process.argv.slice(2);
  try {
    if (!env || !(environmentNames as readonly string[]).includes(env))
      throw new Error(`environment must be one of ${environmentNames.join(', ')}`);
    const file = overlayPath(new URL('../../', import.meta.url).pathname, env);
    writeFileSync(
      file,
      setImage(readFileSync(file, 'utf8'), {
        repository: repository ?? '',
        tag: tag ?? '',
        digest: digest ?? '',
      }),
    );
    process.stdout.write(`${env}: ${repository}:${tag}@${digest}\n`);
  } catch (err) {
    process.stderr.write(
      `set-image: ${(err as Error).message}\nusage: set-image.ts <env> <repository> <tag> <sha256:digest>\n`,
    );
    process.exit(2);
  }
}
