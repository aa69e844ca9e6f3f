import { type ConfigSpecs, int } from '@redemption/kernel';

/**
 * Catalog's settings: its cache and stock reservations. The kernel validates them at start-up when
 * catalog runs in the process, and lists them in `redemption config` and the README.
 */
export const catalogConfig = {
  catalogCacheTtlS: {
    name: 'CATALOG_CACHE_TTL_S',
    default: '60',
    description: 'seconds a cached product or product page lives (invalidated sooner on change)',
    parse: int(1, 86_400),
  },
  reservationTtlS: {
    name: 'RESERVATION_TTL_S',
    default: '900',
    description: 'seconds a stock reservation (cart hold) lasts before it is released by itself',
    parse: int(10, 7 * 86_400),
  },
} satisfies ConfigSpecs;
