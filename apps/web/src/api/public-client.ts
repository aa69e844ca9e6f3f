import createClient from 'openapi-fetch';
import type { paths } from './schema.gen.ts';

/** Calls that carry no bearer token (sign-in, refresh, public catalog reads). Same origin. */
export const publicApi = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
