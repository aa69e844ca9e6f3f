export * from './services.ts';
export * from './temp-database.ts';
