/**
 * The gateway's OpenAPI document in distributed mode: each service's own /api/openapi.json,
 * fetched from its process and merged with the gateway's own routes (docs/decisions/018). The
 * document so describes what runs behind the front door, version skew during a rollout
 * included, and the gateway needs no database or module code to build it.
 */
type Doc = Record<string, unknown> & {
  paths?: Record<string, unknown>;
  tags?: Array<{ name: string }>;
  components?: Record<string, unknown> & { schemas?: Record<string, unknown> };
  info?: Record<string, unknown>;
};

export interface DocumentedUpstream {
  service: string;
  /** The service's base URL (`<NAME>_URL`). */
  url: string;
  /** The paths the gateway sends it: only those are taken from its document. */
  prefixes: readonly string[];
}

export interface MergeOptions {
  /** How long one service may take to send its document. */
  fetchTimeoutMs?: number;
  /** How long a fetched document is used before it is asked for again. */
  cacheMs?: number;
}

const fetchTimeoutMsDefault = 3_000;
const cacheMsDefault = 30_000;
/** Paths every service process serves for itself and the gateway fans out (gateway-admin.ts). */
const sharedPrefixes = ['/api/admin/'];

/**
 * A function answering the merged document: the gateway's own (`own`: its web-config route,
 * security schemes) plus every upstream's paths under its prefixes. A service that does not
 * answer keeps its last document; one never fetched is named in `info.description`.
 */
export function mergedOpenApi(
  own: () => object,
  upstreams: readonly DocumentedUpstream[],
  opts: MergeOptions = {},
): () => Promise<Doc> {
  const timeoutMs = opts.fetchTimeoutMs ?? fetchTimeoutMsDefault;
  const cacheMs = opts.cacheMs ?? cacheMsDefault;
  const cache = new Map<string, { doc: Doc; at: number }>();
  let inFlight: Promise<Doc> | undefined;

  async function documentOf(up: DocumentedUpstream): Promise<Doc | undefined> {
    const cached = cache.get(up.service);
    if (cached && Date.now() - cached.at < cacheMs) return cached.doc;
    try {
      const res = await fetch(new URL('/api/openapi.json', up.url), {
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) throw new Error(`${up.service} answered ${res.status}`);
      const doc = (await res.json()) as Doc;
      cache.set(up.service, { doc, at: Date.now() });
      return doc;
    } catch {
      return cached?.doc;
    }
  }

  async function build(): Promise<Doc> {
    const docs = await Promise.all(upstreams.map(documentOf));
    return mergeDocuments(
      own() as Doc,
      upstreams.map((up, i) => ({ up, doc: docs[i] })),
    );
  }

  // Concurrent docs requests share one round of fetches.
  return () => {
    inFlight ??= build().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

export function mergeDocuments(
  base: Doc,
  parts: ReadonlyArray<{ up: DocumentedUpstream; doc: Doc | undefined }>,
): Doc {
  // The gateway's own entries under a service's prefixes are its proxy routes: the service's
  // document says what is there.
  const routed = (path: string) => parts.some((p) => p.up.prefixes.some((x) => path.startsWith(x)));
  const paths: Record<string, unknown> = Object.fromEntries(
    Object.entries(base.paths ?? {}).filter(([path]) => !routed(path)),
  );
  const tags = new Map((base.tags ?? []).map((t) => [t.name, t]));
  const schemas: Record<string, unknown> = { ...base.components?.schemas };
  const missing: string[] = [];
  for (const { up, doc } of parts) {
    if (!doc) {
      missing.push(up.service);
      continue;
    }
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      const wanted = [...up.prefixes, ...sharedPrefixes].some((p) => path.startsWith(p));
      if (wanted && !(path in paths)) paths[path] = item;
    }
    for (const t of doc.tags ?? []) if (!tags.has(t.name)) tags.set(t.name, t);
    for (const [name, schema] of Object.entries(doc.components?.schemas ?? {}))
      schemas[name] ??= schema;
  }
  const note = missing.length > 0 ? { description: `Not answering: ${missing.join(', ')}` } : {};
  return {
    ...base,
    info: { ...base.info, ...note },
    paths,
    ...(tags.size > 0 ? { tags: [...tags.values()] } : {}),
    components: { ...base.components, schemas },
  };
}
