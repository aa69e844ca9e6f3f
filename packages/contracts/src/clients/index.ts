export * from './transport.ts';
export * from './loyalty.client.ts';
export * from './catalog.client.ts';
export * from './payments.client.ts';
export * from './identity.client.ts';
