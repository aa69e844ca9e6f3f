/**
 * The one way tests start services: `startModule` (a module as `redemption serve <name>` builds
 * it, with test-issued tokens) or `buildTestPlatform` (any modules, any token source), both on
 * an in-memory PGlite unless given a `databaseUrl`, and one typed in-process caller.
 */
import { randomUUID } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import { loadPlatformConfig } from '../config/platform-config.ts';
import type { Db } from '../db/db.ts';
import type { App } from '../http/server.ts';
import { newId } from '../ids.ts';
import { buildPlatform, type Platform } from '../runtime/build-platform.ts';
import type { Tracing } from '../tracing/tracing.ts';
import type { ServiceModule } from '../service.ts';
import { createTestTokens, type TestTokens } from './test-tokens.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a route answered: status, headers, and the body parsed as JSON (`{}` when empty). */
export interface Reply<B = Record<string, any>> {
  status: number;
  body: B;
  headers: Record<string, unknown>;
}

/**
 * Calls a route in-process (`inject`). `token`: the bearer token, null for none. `key`: the
 * Idempotency-Key of a write, a fresh one unless given, none when null (never sent on a GET).
 */
export type Caller = <B = Record<string, any>>(
  method: HttpMethod,
  url: string,
  token: string | null,
  body?: unknown,
  key?: string | null,
  headers?: Record<string, string>,
) => Promise<Reply<B>>;

/** One call as a transport sends it: headers decided, body not yet encoded. */
export interface CallRequest {
  method: HttpMethod;
  url: string;
  /** Bearer token, Idempotency-Key (see `Caller`), then the call's own. */
  headers: Record<string, string>;
  body: unknown;
}

/** A `Caller` over a transport (in-process or HTTP): the rules of `Caller` in one place. */
export function callerOver(send: (req: CallRequest) => Promise<Reply<unknown>>): Caller {
  return async <B>(
    method: HttpMethod,
    url: string,
    token: string | null,
    body?: unknown,
    key?: string | null,
    extra: Record<string, string> = {},
  ): Promise<Reply<B>> => {
    const headers = {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(key === null || method === 'GET' ? {} : { 'idempotency-key': key ?? randomUUID() }),
      ...extra,
    };
    return (await send({ method, url, headers, body })) as Reply<B>;
  };
}

export function injectCaller(app: App): Caller {
  return callerOver(async ({ method, url, headers, body }) => {
    const res = await app.inject({
      method,
      url,
      headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : {}, headers: res.headers };
  });
}

/** Quiet logs and an in-memory database unless the test says otherwise. */
export const testEnvDefaults: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'silent',
  DATA_DIR: 'memory://',
};

export interface TestPlatformOptions {
  modules: readonly ServiceModule[];
  /** The process's name (logs, OpenAPI title); `platform` unless given. */
  name?: string;
  /** A real PostgreSQL (e.g. a `createTempDatabase` one); in-memory PGlite when absent. */
  databaseUrl?: string;
  /** An open database to use instead (closed by the caller, not by `close`). */
  db?: Db;
  /** Environment as the process would see it, over `testEnvDefaults`. */
  env?: Record<string, string>;
  /** Keys that verify access tokens; identity's own (or IDENTITY_URL's) when absent. */
  jwtKeys?: JWTVerifyGetKey;
  /** Tracing the test started (an in-memory exporter) and stops itself. */
  tracing?: Tracing;
}

export interface TestPlatform {
  platform: Platform;
  call: Caller;
  close(): Promise<void>;
}

export async function buildTestPlatform(opts: TestPlatformOptions): Promise<TestPlatform> {
  const env = {
    ...testEnvDefaults,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const platform = await buildPlatform({
    config: loadPlatformConfig(env),
    modules: opts.modules,
    name: opts.name ?? 'platform',
    version: 'test',
    ...(opts.db ? { db: opts.db } : {}),
    ...(opts.jwtKeys ? { jwtKeys: opts.jwtKeys } : {}),
    ...(opts.tracing ? { tracing: opts.tracing } : {}),
  });
  return { platform, call: injectCaller(platform.app), close: () => platform.close() };
}

export interface ModuleTestOptions {
  /** Modules that run in the same process (the services this one calls, or their fakes). */
  alongside?: readonly ServiceModule[];
  databaseUrl?: string;
  env?: Record<string, string>;
  /** Share one issuer between platforms that stand for processes of one deployment. */
  tokens?: TestTokens;
  tracing?: Tracing;
}

export interface ModuleHarness extends TestPlatform {
  tokens: TestTokens;
  adminToken: string;
  /** A member id and its token (accounts in other services are the caller's business). */
  member(): Promise<{ id: string; token: string }>;
}

/** `module` as `redemption serve <name>` builds it; tokens minted by a test issuer. */
export async function startModule(
  module: ServiceModule,
  opts: ModuleTestOptions = {},
): Promise<ModuleHarness> {
  const tokens = opts.tokens ?? (await createTestTokens());
  const built = await buildTestPlatform({
    modules: [...(opts.alongside ?? []), module],
    name: module.name,
    jwtKeys: tokens.keys,
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    ...(opts.tracing ? { tracing: opts.tracing } : {}),
  });
  return {
    ...built,
    tokens,
    adminToken: await tokens.sign(newId(), 'admin'),
    async member() {
      const id = newId();
      return { id, token: await tokens.sign(id, 'member') };
    },
  };
}
