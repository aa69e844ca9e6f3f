import { Type, type TSchema, type TSchemaOptions } from 'typebox';

/** Building blocks of the resource schemas, shared with the kernel's HTTP schemas. */
export const Uuid = Type.String({ format: 'uuid' });
export const DateTime = Type.String({ format: 'date-time' });
export const AmountMinor = Type.Integer({ minimum: 0, description: 'integer minor units (cents)' });

/** Response side: a value or null. */
export const Nullable = <T extends TSchema>(t: T, options: TSchemaOptions = {}) =>
  Type.Union([t, Type.Null()], options);

/** A union of string literals from a constant list, so code and schema share one list. */
export const OneOf = <const T extends readonly string[]>(values: T, options: object = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
