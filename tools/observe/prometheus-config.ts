import { stringify } from 'yaml';

export interface ScrapeTarget {
  /** the platform's base URL, e.g. http://127.0.0.1:8080 */
  url: string;
  /** a file holding METRICS_TOKEN, when the platform needs it */
  tokenFile?: string;
}

/**
 * Prometheus's configuration for one platform: scraped every `scrapeIntervalS` with the
 * bearer token when there is one, labelled `service="platform"` (the standalone process is its
 * own gateway; see deploy/observability/slo/slos.ts), the rule files loaded.
 */
export function prometheusConfig(
  target: ScrapeTarget,
  ruleFiles: string[],
  scrapeIntervalS: number,
): string {
  const u = new URL(target.url);
  const config = {
    global: { scrape_interval: `${scrapeIntervalS}s`, evaluation_interval: `${scrapeIntervalS}s` },
    rule_files: ruleFiles,
    scrape_configs: [
      {
        job_name: 'redemption',
        scheme: u.protocol.replace(':', ''),
        metrics_path: `${u.pathname.replace(/\/$/, '')}/metrics`,
        ...(target.tokenFile
          ? { authorization: { type: 'Bearer', credentials_file: target.tokenFile } }
          : {}),
        static_configs: [{ targets: [u.host], labels: { service: 'platform' } }],
      },
    ],
  };
  return stringify(config);
}
