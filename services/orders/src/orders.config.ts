import { type ConfigSpecs, int } from '@redemption/kernel';

/**
 * Orders' settings: what a point pays for at checkout. The kernel validates them at start-up when
 * orders runs in the process, and lists them in `redemption config` and the README.
 */
export const ordersConfig = {
  pointValueMinor: {
    name: 'POINT_VALUE_MINOR',
    default: '1',
    description: 'minor currency units (cents) one point pays for at checkout',
    parse: int(1, 10_000),
  },
} satisfies ConfigSpecs;
