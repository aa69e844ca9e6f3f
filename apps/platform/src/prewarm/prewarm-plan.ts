/**
 * Flash-sale pre-warm (seed 000), as pure planning: given the namespace's autoscalers, the
 * headroom placeholders and Karpenter's flash-sale pool, the patches that raise them by a
 * factor before a planned sale, and the patches that put them back after. The value before the
 * sale is kept in an annotation on each object, so a second prewarm (a retried CronJob, a
 * changed factor) multiplies the original again instead of compounding, and restore knows
 * what to return to even from another process.
 */

export const originalAnnotation = 'redemption.io/prewarm-original';
/** A factor beyond this is a typo, not a sale (10x is the seed's biggest). */
export const prewarmFactorMax = 20;
/** CPUs the flash-sale NodePool may launch while a sale is on (its limit is 0 otherwise). */
export const flashSaleCpuDefault = 400;

export interface Scalable {
  kind: 'HorizontalPodAutoscaler' | 'ScaledObject' | 'Deployment' | 'NodePool';
  name: string;
  /** The number that is raised: minReplicas, minReplicaCount, replicas or the CPU limit. */
  value: number;
  /** The ceiling (maxReplicas, maxReplicaCount); none for headroom and the pool. */
  max?: number;
  /** The annotation's value when the object is already pre-warmed. */
  original?: number;
}

export interface Patch {
  kind: Scalable['kind'];
  name: string;
  from: number;
  to: number;
  /** The original to record (raise) or undefined to remove the annotation (restore). */
  original: number | undefined;
}

export function planRaise(
  objects: readonly Scalable[],
  factor: number,
  flashSaleCpu = flashSaleCpuDefault,
): Patch[] {
  if (!(factor >= 1 && factor <= prewarmFactorMax))
    throw new Error(`factor must be between 1 and ${prewarmFactorMax}, got ${factor}`);
  return objects.flatMap((o) => {
    const original = o.original ?? o.value;
    const raised =
      o.kind === 'NodePool' ? Math.max(original, flashSaleCpu) : Math.ceil(original * factor);
    const to = o.max === undefined ? raised : Math.min(o.max, raised);
    return to === o.value && o.original !== undefined
      ? []
      : [{ kind: o.kind, name: o.name, from: o.value, to, original }];
  });
}

export function planRestore(objects: readonly Scalable[]): Patch[] {
  return objects
    .filter((o) => o.original !== undefined)
    .map((o) => ({
      kind: o.kind,
      name: o.name,
      from: o.value,
      to: o.original!,
      original: undefined,
    }));
}
