export * from './envelope.ts';
export * from './outbox.ts';
export * from './events.migrations.ts';
export * from './consumer-runtime.ts';
export * from './event-transport.ts';
export * from './event-bus.ts';
export * from './dead-letters.ts';
export * from './pg-transport.ts';
