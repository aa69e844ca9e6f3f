/**
 * The shape of a call between services. The kernel's `ctx.services.to(name)` returns one of
 * these (in-process or HTTP); the typed clients below wrap it. Structural, so contracts does
 * not depend on the kernel.
 */
export interface ServiceRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  idempotencyKey?: string;
}
export interface ServiceResponse {
  status: number;
  body: unknown;
}
export type ServiceTransport = (req: ServiceRequest) => Promise<ServiceResponse>;

/** RFC 9457 problem details as services send them. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

/** A non-2xx answer from another service; `slug` is the last part of the problem type. */
export class ServiceProblem extends Error {
  readonly status: number;
  readonly slug: string;
  readonly problem: ProblemBody;
  constructor(service: string, status: number, body: unknown) {
    const problem = asProblem(status, body);
    super(`${service}: ${status} ${problem.detail ?? problem.title}`);
    this.status = status;
    this.problem = problem;
    this.slug = problem.type.split('/').pop() ?? 'unknown';
  }
  /** 4xx other than 408/429: asking again gives the same answer. */
  get definite(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

function asProblem(status: number, body: unknown): ProblemBody {
  if (body && typeof body === 'object' && 'type' in body && 'title' in body)
    return body as ProblemBody;
  return { type: 'about:blank', title: `HTTP ${status}`, status };
}

/** Sends one request; 2xx returns the body, anything else throws ServiceProblem. */
export async function call<T>(
  service: string,
  t: ServiceTransport,
  req: ServiceRequest,
): Promise<T> {
  const res = await t(req);
  if (res.status < 200 || res.status > 299) throw new ServiceProblem(service, res.status, res.body);
  return res.body as T;
}

export const enc = encodeURIComponent;
