/**
 * Runs the access table (access-table.ts) against a standalone platform: every route as five
 * principals, each answer compared with the row's expectation. Shared by the PGlite test and
 * the PostgreSQL one.
 */
import { randomBytes } from 'node:crypto';
import {
  buildPlatform,
  createServiceTokens,
  loadPlatformConfig,
  type App,
  type Platform,
} from '@redemption/kernel';
import {
  callerOver,
  createTestTokens,
  testEnvDefaults,
  type Caller,
  type HttpMethod,
} from '@redemption/kernel/testing';
import { allModules } from '../modules.ts';
import { platformRoutes } from '../platform-routes.ts';
import {
  accessTable,
  expectedStatus,
  notCovered,
  principals,
  type Principal,
} from './access-table.ts';
import { createAuthzFixtures, type AuthzFixtures } from './authz-fixtures.ts';

/** Throttles high enough that the matrix's own sign-ups and sign-ins are never refused. */
const matrixEnv = {
  REGISTER_RATE_PER_IP_PER_HOUR: '100000',
  LOGIN_RATE_PER_IP_PER_MIN: '100000',
  LOGIN_RATE_PER_IP_ACCOUNT_PER_15MIN: '100000',
  PASSWORD_RESET_RATE_PER_IP_PER_HOUR: '100000',
  LOYALTY_RATE_PER_MEMBER_PER_S: '100000',
  LOYALTY_RATE_PER_IP_PER_S: '100000',
};

export interface MatrixPlatform {
  platform: Platform;
  call: Caller;
  fixtures(): Promise<AuthzFixtures>;
  close(): Promise<void>;
}

/** Every service and the platform's own routes (not the web app's files), as `start` mounts them. */
export async function startMatrixPlatform(
  env: Record<string, string> = {},
): Promise<MatrixPlatform> {
  const secret = randomBytes(32).toString('base64url');
  const config = loadPlatformConfig({
    ...testEnvDefaults,
    ...matrixEnv,
    INTERNAL_TOKEN_SECRET: secret,
    ...env,
  });
  const tokens = await createTestTokens();
  const platform = await buildPlatform({
    config,
    modules: allModules,
    name: 'platform',
    version: 'test',
    jwtKeys: tokens.keys,
    extraRoutes: platformRoutes(allModules, 'matrix', config),
  });
  const call = pageTolerantCaller(platform.app);
  const serviceToken = await createServiceTokens(secret).token('orders');
  return {
    platform,
    call,
    fixtures: () => createAuthzFixtures(platform.db, call, tokens, serviceToken),
    close: () => platform.close(),
  };
}

/** The kernel's in-process caller, but an HTML or text answer is kept as text, not parsed. */
function pageTolerantCaller(app: App): Caller {
  return callerOver(async ({ method, url, headers, body }) => {
    const res = await app.inject({
      method,
      url,
      headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    const json = String(res.headers['content-type'] ?? '').includes('json') && res.body;
    return {
      status: res.statusCode,
      body: json ? res.json() : { text: res.body },
      headers: res.headers,
    };
  });
}

/** `METHOD /url` of every route the table must cover, as the server registered them. */
export const coveredRoutes = (platform: Platform): string[] =>
  platform.app.routeTable
    .filter((r) => !notCovered(r.method, r.url))
    .map((r) => `${r.method} ${r.url}`);

export interface MatrixCell {
  route: string;
  who: Principal;
  expected: number;
  actual: number;
  detail?: string;
}

/** Refusals first, so an allowed call never uses up what a refused one is about to try. */
const callOrder: readonly Principal[] = ['anonymous', 'otherMember', 'member', 'admin', 'service'];

/** Every row as every principal; the cells, in table order. */
export async function runAccessMatrix(call: Caller, fx: AuthzFixtures): Promise<MatrixCell[]> {
  const cells: MatrixCell[] = [];
  for (const [route, row] of Object.entries(accessTable)) {
    const method = route.slice(0, route.indexOf(' ')) as HttpMethod;
    for (const who of callOrder) {
      const c = await row.call(fx);
      const token = tokenOf(fx, who, c.owner?.token);
      const res = await call(method, c.url, token, c.body, undefined, c.headers);
      const cell: MatrixCell = {
        route,
        who,
        expected: expectedStatus(row, who),
        actual: res.status,
      };
      if (cell.actual !== cell.expected) cell.detail = JSON.stringify(res.body).slice(0, 300);
      cells.push(cell);
    }
  }
  return cells;
}

function tokenOf(fx: AuthzFixtures, who: Principal, owner?: string): string | null {
  switch (who) {
    case 'anonymous':
      return null;
    case 'member':
      return owner ?? fx.member.token;
    case 'otherMember':
      return fx.otherMember.token;
    case 'admin':
      return fx.adminToken;
    case 'service':
      return fx.serviceToken;
  }
}

/** The matrix as a table: one line per route, one column per principal (`403`, or `403≠200`). */
export function formatMatrix(cells: readonly MatrixCell[]): string {
  const routes = [...new Set(cells.map((c) => c.route))];
  const width = Math.max(...routes.map((r) => r.length));
  const head = `${'route'.padEnd(width)}  ${principals.map((p) => p.padEnd(11)).join(' ')}`;
  const lines = routes.map((route) => {
    const row = principals.map((who) => {
      const c = cells.find((x) => x.route === route && x.who === who)!;
      const text = c.actual === c.expected ? `${c.actual}` : `${c.actual}≠${c.expected}`;
      return text.padEnd(11);
    });
    return `${route.padEnd(width)}  ${row.join(' ')}`;
  });
  return [head, ...lines].join('\n');
}
