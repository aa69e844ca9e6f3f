export * from './services.ts';
export * from './temp-database.ts';
export * from './test-tokens.ts';
export * from './wait-for-ready.ts';
export * from './test-platform.ts';
export * from './http-caller.ts';
export * from './test-tracing.ts';
