import type { ServiceModule } from '@redemption/kernel';
import { UsageError } from './cli/cli-args.ts';
import { identityModule } from '@redemption/identity';
import { loyaltyModule } from '@redemption/loyalty';
import { catalogModule } from '@redemption/catalog';
import { paymentsModule } from '@redemption/payments';
import { ordersModule } from '@redemption/orders';
import { notificationsModule } from '@redemption/notifications';
import { analyticsModule } from '@redemption/analytics';

/** Every service module the platform can run. Standalone mode mounts them all in one process. */
export const allModules: readonly ServiceModule[] = [
  identityModule,
  loyaltyModule,
  catalogModule,
  paymentsModule,
  ordersModule,
  notificationsModule,
  analyticsModule,
];

export const moduleNames = (): string[] => allModules.map((m) => m.name);

/** The module called `name`; a usage mistake naming the known services otherwise. */
export function moduleNamed(name: string): ServiceModule {
  const found = allModules.find((m) => m.name === name);
  if (!found)
    throw new UsageError(`unknown service "${name}"; services: ${moduleNames().join(', ')}`);
  return found;
}
