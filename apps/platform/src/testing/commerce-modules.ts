import { catalogModule } from '@redemption/catalog';
import { identityModule } from '@redemption/identity';
import type { ServiceModule } from '@redemption/kernel';
import { loyaltyModule } from '@redemption/loyalty';
import { paymentsModule } from '@redemption/payments';

/** The services checkout calls, real, for a platform that also runs orders. */
export const commerceServices: ServiceModule[] = [
  identityModule,
  loyaltyModule,
  catalogModule,
  paymentsModule,
];

/** No earning on order_paid, so balances show exactly what checkout and refunds did. */
export const commerceEnv = {
  LOYALTY_RATE_PER_MEMBER_PER_S: '1000',
  LOYALTY_RATE_PER_IP_PER_S: '100000',
  EARN_POINTS_PER_UNIT: '0',
};
