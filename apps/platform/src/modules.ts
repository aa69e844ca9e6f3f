import type { ServiceModule } from '@redemption/kernel';
import { identityModule } from '@redemption/identity';
import { loyaltyModule } from '@redemption/loyalty';

/** Every service module the platform can run. Standalone mode mounts them all in one process. */
export const allModules: readonly ServiceModule[] = [identityModule, loyaltyModule];

export function moduleNamed(name: string): ServiceModule {
  const found = allModules.find((m) => m.name === name);
  if (!found)
    throw new Error(
      `unknown service "${name}"; known: ${allModules.map((m) => m.name).join(', ')}`,
    );
  return found;
}
