import createClient from 'openapi-fetch';
import type { paths } from './schema.gen.ts';

/** Same origin; spelled out so requests also build where relative URLs have no base (tests). */
const apiBase = globalThis.location?.origin ?? '';

/** Calls that carry no bearer token (sign-in, refresh, public catalog reads). Same origin. */
export const publicApi = createClient<paths>({ baseUrl: apiBase, credentials: 'same-origin' });
