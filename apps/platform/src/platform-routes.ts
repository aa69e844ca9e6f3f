import { Type } from 'typebox';
import {
  envOf,
  loadConfig,
  type App,
  type Db,
  type PlatformConfig,
  type ServiceModule,
} from '@redemption/kernel';
import { loyaltyConfig } from '@redemption/loyalty';
import { ordersConfig } from '@redemption/orders';
import { paymentsConfig } from '@redemption/payments';
import { adminOpsRoutes } from './admin-ops.routes.ts';
import { rootPage } from './root-page.ts';
import { registerWebApp } from './web-app.ts';

export const WebConfig = Type.Object({
  payment_provider: Type.String({ description: 'simulated (test tokens) or stripe' }),
  stripe_publishable_key: Type.Union([Type.String(), Type.Null()], {
    description: 'when set, cards are taken with Stripe Elements',
  }),
  point_value_minor: Type.Integer({ description: 'minor currency units one point pays for' }),
  earn_points_per_unit: Type.Integer({
    description: 'points earned per whole currency unit paid in cash (before the tier bonus)',
  }),
});

/** The services' settings the web app reads: payments', orders' and loyalty's own variables. */
const webSettings = {
  paymentProvider: paymentsConfig.paymentProvider,
  stripePublishableKey: paymentsConfig.stripePublishableKey,
  pointValueMinor: ordersConfig.pointValueMinor,
  earnPointsPerUnit: loyaltyConfig.earnPointsPerUnit,
};

/**
 * What the web app needs to know of the server's settings (nothing secret), read from the
 * environment `config` came from: the gateway serves it too, without those services in-process.
 */
export function webConfigRoute(app: App, config: PlatformConfig): void {
  const settings = loadConfig(webSettings, envOf(config));
  const body = {
    payment_provider: settings.paymentProvider,
    stripe_publishable_key: settings.stripePublishableKey ?? null,
    point_value_minor: settings.pointValueMinor,
    earn_points_per_unit: settings.earnPointsPerUnit,
  };
  app.get('/api/web-config', {
    config: { public: true },
    schema: {
      tags: ['web app'],
      operationId: 'getWebConfig',
      summary: 'Public settings the web app reads at start (payment provider, point value)',
      response: { 200: WebConfig },
    },
    handler: async () => body,
  });
}

/**
 * Routes outside any service: the status page, admin operations, the web app's settings and,
 * in standalone mode, the web app itself.
 */
export function platformRoutes(
  modules: readonly ServiceModule[],
  mode: string,
  config: PlatformConfig,
) {
  return async (app: App, parts: { db: Db }): Promise<void> => {
    const webServed = mode === 'standalone' && (await registerWebApp(app));
    await rootPage(modules, mode, !webServed)(app);
    await adminOpsRoutes(app, parts.db, { eventPartitions: config.eventPartitions });
    webConfigRoute(app, config);
  };
}
