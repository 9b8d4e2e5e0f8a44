import { readFileSync } from 'node:fs';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** docs/metrics.md: the metric catalogue, whose tables the monitoring tests read. */
export const METRICS_DOC = new URL('../../docs/metrics.md', import.meta.url);

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

export interface MetricSpec {
  name: string;
  type: MetricType;
  labels: readonly string[];
}

/** Labels Prometheus puts on every scraped series, whatever the exposition says. */
export const TARGET_LABELS: readonly string[] = ['job', 'instance'];

const ROW = /^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|\s*(counter|gauge|histogram|summary)\s*\|([^|]*)\|/;

/**
 * The metrics of a catalogue's tables: rows `| \`name\` | type | \`label\`, ... | meaning |`. Rows of
 * other tables (their second column is not a metric type) are not metrics and are skipped.
 */
export function parseMetricTables(markdown: string): MetricSpec[] {
  const metrics: MetricSpec[] = [];
  for (const line of markdown.split('\n')) {
    const match = ROW.exec(line);
    if (match === null) continue;
    const [, name, type, labels] = match;
    metrics.push({
      name: name!,
      type: type as MetricType,
      labels: [...labels!.matchAll(/`([a-zA-Z_][a-zA-Z0-9_]*)`/g)].map((m) => m[1]!),
    });
  }
  return metrics;
}

/** prom-client's default process metrics, read from prom-client itself (they are not ours to list). */
function processMetrics(): MetricSpec[] {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = registry.getMetricsAsArray().map((metric) => {
    // `type` and `labelNames` exist on every prom-client metric but are missing from its typings.
    const { name, type, labelNames } = metric as unknown as {
      name: string;
      type: MetricType;
      labelNames?: readonly string[];
    };
    return { name, type, labels: labelNames ?? [] };
  });
  registry.clear();
  return metrics;
}

/** What a selector may name: a catalogued metric (or one of a histogram's series) and its labels. */
export interface SeriesSpec {
  metric: MetricSpec;
  /** The labels a matcher may use: the metric's, the target's and, for `_bucket`, `le`. */
  labels: ReadonlySet<string>;
}

/**
 * The metrics alerts and dashboards may use: docs/metrics.md's tables, prom-client's default process
 * metrics and Prometheus's own `up`.
 */
export class MetricCatalogue {
  readonly #series = new Map<string, SeriesSpec>();
  readonly documented: readonly MetricSpec[];

  constructor(documented: readonly MetricSpec[], others: readonly MetricSpec[]) {
    this.documented = documented;
    for (const metric of [...documented, ...others]) {
      const labels = new Set([...metric.labels, ...TARGET_LABELS]);
      if (metric.type === 'histogram' || metric.type === 'summary') {
        this.#series.set(`${metric.name}_sum`, { metric, labels });
        this.#series.set(`${metric.name}_count`, { metric, labels });
      }
      if (metric.type === 'histogram') {
        this.#series.set(`${metric.name}_bucket`, { metric, labels: new Set([...labels, 'le']) });
      } else {
        this.#series.set(metric.name, {
          metric,
          labels: metric.type === 'summary' ? new Set([...labels, 'quantile']) : labels,
        });
      }
    }
  }

  /** docs/metrics.md, prom-client's defaults and `up`. */
  static load(): MetricCatalogue {
    const documented = parseMetricTables(readFileSync(METRICS_DOC, 'utf8'));
    return new MetricCatalogue(documented, [...processMetrics(), { name: 'up', type: 'gauge', labels: [] }]);
  }

  /** The metric a series name belongs to, or undefined when nothing catalogued exports it. */
  lookup(series: string): SeriesSpec | undefined {
    return this.#series.get(series);
  }
}
