import type { ServiceModule } from '@redemption/kernel';
import { identityModule } from '@redemption/identity';
import { loyaltyModule } from '@redemption/loyalty';
import { catalogModule } from '@redemption/catalog';
import { paymentsModule } from '@redemption/payments';
import { ordersModule } from '@redemption/orders';

/** Every service module the platform can run. Standalone mode mounts them all in one process. */
export const allModules: readonly ServiceModule[] = [
  identityModule,
  loyaltyModule,
  catalogModule,
  paymentsModule,
  ordersModule,
];

export function moduleNamed(name: string): ServiceModule {
  const found = allModules.find((m) => m.name === name);
  if (!found)
    throw new Error(
      `unknown service "${name}"; known: ${allModules.map((m) => m.name).join(', ')}`,
    );
  return found;
}
