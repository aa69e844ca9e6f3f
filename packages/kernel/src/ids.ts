import { v7 as uuidv7, validate, version } from 'uuid';

/** New time-ordered id (UUIDv7): sorts by creation time, friendly to B-tree indexes. */
export const newId = (): string => uuidv7();

export const isUuid = (s: string): boolean => validate(s) && [4, 7].includes(version(s));
