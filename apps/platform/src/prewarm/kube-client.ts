/**
 * The few Kubernetes API calls the pre-warm makes, over HTTPS with the pod's service-account
 * token (in-cluster) or plain HTTP to a base URL (tests). No client library: five GETs and
 * merge-PATCHes do not need one.
 */
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';

const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';
const requestTimeoutMs = 10_000;
const responseBytesMax = 8 * 1024 * 1024;

export interface KubeClient {
  get(path: string): Promise<unknown>;
  mergePatch(path: string, body: unknown): Promise<unknown>;
}

export interface KubeClientOptions {
  /** https://kubernetes.default.svc in a pod; http://127.0.0.1:port in tests. */
  baseUrl: string;
  token?: string;
  ca?: string;
}

/** In a pod: the API server from the environment, the mounted token and CA. */
export function inClusterOptions(env: NodeJS.ProcessEnv = process.env): KubeClientOptions {
  const host = env['KUBERNETES_SERVICE_HOST'];
  if (!host) throw new Error('not in a pod (KUBERNETES_SERVICE_HOST unset): pass --api-url');
  return {
    baseUrl: `https://${host.includes(':') ? `[${host}]` : host}:${env['KUBERNETES_SERVICE_PORT'] ?? '443'}`,
    token: readFileSync(`${serviceAccountDir}/token`, 'utf8').trim(),
    ca: readFileSync(`${serviceAccountDir}/ca.crt`, 'utf8'),
  };
}

export function kubeClient(opts: KubeClientOptions): KubeClient {
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const url = new URL(path, opts.baseUrl);
      const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        url,
        {
          method,
          ca: opts.ca,
          timeout: requestTimeoutMs,
          headers: {
            accept: 'application/json',
            ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
            ...(payload ? { 'content-type': 'application/merge-patch+json' } : {}),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            if (text.length > responseBytesMax)
              req.destroy(new Error(`${path}: response too large`));
          });
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300)
              return reject(
                new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`),
              );
            resolve(text ? JSON.parse(text) : {});
          });
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${path}: no answer in ${requestTimeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end(payload);
    });
  return { get: (p) => call('GET', p), mergePatch: (p, b) => call('PATCH', p, b) };
}
