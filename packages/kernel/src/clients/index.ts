export * from './service-caller.ts';
export * from './local-transport.ts';
