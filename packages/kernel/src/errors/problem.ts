/**
 * RFC 9457 problem details. Throw a ProblemError anywhere in a request; the error handler turns
 * it into `application/problem+json`. `type` is stable: clients branch on it, not on `title`.
 */
export const problemTypeBase = '/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export class ProblemError extends Error {
  readonly status: number;
  readonly slug: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    slug: string,
    title: string,
    detail?: string,
    extensions: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    if (status < 400 || status > 599)
      throw new Error(`problem status must be 4xx or 5xx, got ${status}`);
    this.status = status;
    this.slug = slug;
    this.title = title;
    this.extensions = extensions;
    this.headers = headers;
  }

  toBody(instance?: string): ProblemBody {
    // Extensions first: they may never overwrite the standard members (a `status` extension
    // once replaced the HTTP status and crashed the error handler).
    return {
      ...this.extensions,
      type: problemTypeBase + this.slug,
      title: this.title,
      status: this.status,
      detail: this.message,
      ...(instance ? { instance } : {}),
    };
  }
}

export const badRequest = (detail: string, field?: string): ProblemError =>
  new ProblemError(
    400,
    'validation-failed',
    'Request is not valid',
    detail,
    field ? { errors: [{ field, message: detail }] } : {},
  );
export const unauthorized = (detail = 'A valid bearer token is required'): ProblemError =>
  new ProblemError(
    401,
    'unauthorized',
    'Not authenticated',
    detail,
    {},
    { 'www-authenticate': 'Bearer' },
  );
export const forbidden = (detail = 'You may not do this'): ProblemError =>
  new ProblemError(403, 'forbidden', 'Forbidden', detail);
export const notFound = (what = 'resource'): ProblemError =>
  new ProblemError(404, 'not-found', 'Not found', `No such ${what}`);
export const conflict = (
  slug: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemError => new ProblemError(409, slug, 'Conflict', detail, extensions);
export const unprocessable = (
  slug: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemError => new ProblemError(422, slug, 'Unprocessable request', detail, extensions);
export const tooManyRequests = (
  retryAfterS: number,
  headers: Record<string, string> = {},
): ProblemError =>
  new ProblemError(
    429,
    'rate-limited',
    'Too many requests',
    `Try again in ${retryAfterS} s`,
    { retry_after_s: retryAfterS },
    {
      'retry-after': String(retryAfterS),
      ...headers,
    },
  );
