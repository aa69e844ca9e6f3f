export * from './smtp-sink.ts';
export * from './notifications-harness.ts';
export * from './fake-twilio.ts';
