export * from './primitives.ts';
export * from './product.schema.ts';
export * from './payment.schema.ts';
export * from './order.schema.ts';
export * from './account.schema.ts';
