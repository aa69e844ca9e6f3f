import {
  buildPlatform,
  loadPlatformConfig,
  type PlatformConfig,
  type ServiceModule,
} from '@redemption/kernel';
import { platformRoutes } from './platform-routes.ts';

/**
 * The OpenAPI document of the standalone platform, built without a server or a database on
 * disk: every module on an in-memory PGlite, nothing listening. The web app's API client is
 * generated from it (apps/web/scripts/gen-api.ts), so a contract change breaks its build.
 */
export async function openApiDocument(
  modules: readonly ServiceModule[],
  version: string,
): Promise<unknown> {
  const config: PlatformConfig = loadPlatformConfig({
    DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    ADMIN_PASSWORD: 'not used: nothing is seeded',
  });
  const platform = await buildPlatform({
    config,
    modules,
    name: 'platform',
    version,
    extraRoutes: platformRoutes(modules, 'openapi', config),
  });
  try {
    return platform.app.swagger();
  } finally {
    await platform.close();
  }
}
