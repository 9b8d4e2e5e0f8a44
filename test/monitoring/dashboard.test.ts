/**
 * deploy/monitoring/dashboard.json: the committed file is exactly what dashboard.ts generates, and
 * every PromQL expression in it parses (Prometheus's grammar, then promtool) and selects only
 * metrics and labels of docs/metrics.md, bounded by the job and, where the metric has one, by the
 * namespace variable.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VariableType } from '@grafana/grafana-foundation-sdk/dashboard';
import { stringify } from 'yaml';
import { DASHBOARD_PATH, buildDashboard, renderDashboard } from '../../deploy/monitoring/dashboard.ts';
import { MetricCatalogue } from './metric-catalogue.ts';
import { parsePromql, promqlProblems } from './promql.ts';
import { describeWithTools } from '../support/tools.ts';
import { promtool, promtoolTool } from './promtool.ts';

const JOB = 'paiflow-controller';

/** Concrete stand-ins for the Grafana variables the queries use. */
const VARIABLES: Record<string, string> = {
  namespace: '.*',
  __interval: '5m',
  __rate_interval: '2m',
  __range: '1d',
};

/** The query with its Grafana variables (`$x`, `${x}`) replaced; throws on one it does not know. */
function expandVariables(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => {
    const value = VARIABLES[name];
    if (value === undefined) throw new Error(`unknown Grafana variable $${name} in ${expr}`);
    return value;
  });
}

interface Query {
  where: string;
  expr: string;
}

const dashboard = buildDashboard();

/** Every PromQL expression of the dashboard: panel targets, and the selector of `label_values()` variables. */
function queries(): Query[] {
  const found: Query[] = [];
  for (const panel of dashboard.panels ?? []) {
    if (!('targets' in panel)) continue;
    for (const target of panel.targets ?? []) {
      const { expr, refId } = target as { expr?: string; refId?: string };
      if (expr !== undefined) found.push({ where: `${panel.title ?? ''} ${refId ?? ''}`, expr });
    }
  }
  for (const variable of dashboard.templating.list ?? []) {
    if (variable.type !== VariableType.Query || typeof variable.query !== 'string') continue;
    const selector = /^label_values\((.+),\s*\w+\)$/.exec(variable.query);
    if (selector === null) throw new Error(`unexpected variable query ${variable.query}`);
    found.push({ where: `variable ${variable.name}`, expr: selector[1]! });
  }
  return found;
}

const all = queries();

describe('the Grafana dashboard', () => {
  const catalogue = MetricCatalogue.load();

  test('dashboard.json is what dashboard.ts generates (regenerate: node deploy/monitoring/dashboard.ts)', async () => {
    expect(await readFile(DASHBOARD_PATH, 'utf8')).toBe(await renderDashboard());
  });

  test('has the datasource and namespace variables, and unique panel ids', () => {
    expect((dashboard.templating.list ?? []).map((v) => [v.type, v.name])).toEqual([
      ['datasource', 'datasource'],
      ['query', 'namespace'],
    ]);
    const ids = (dashboard.panels ?? []).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(all.length).toBeGreaterThan(30);
  });

  test.each(all)('$where: selects only catalogued metrics and labels, bounded by the job', ({ expr }) => {
    expect(promqlProblems(expandVariables(expr), catalogue, JOB)).toEqual([]);
  });

  test.each(all.filter((q) => !q.where.startsWith('variable')))(
    '$where: filters by $namespace wherever the metric has a namespace label',
    ({ expr }) => {
      const unfiltered = parsePromql(expr)
        .selectors.filter((s) => catalogue.lookup(s.metric ?? '')?.metric.labels.includes('namespace'))
        .filter(
          (s) =>
            !s.matchers.some((m) => m.label === 'namespace' && m.op === '=~' && m.value === '$namespace'),
        )
        .map((s) => s.text);
      expect(unfiltered).toEqual([]);
    },
  );
});

describeWithTools('the Grafana dashboard with promtool', [promtoolTool()], () => {
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paiflow-dashboard-'));
  });

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  test('every expression parses (promtool check rules, one recording rule each)', async () => {
    const rules = all.map(({ expr }, i) => ({
      record: `dashboard:query_${i}`,
      expr: expandVariables(expr),
    }));
    await writeFile(join(dir, 'queries.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const { code, output } = await promtool(['check', 'rules', 'queries.yaml'], dir);
    expect({ code, output }).toEqual({
      code: 0,
      output: expect.stringContaining(`SUCCESS: ${rules.length} rules found`),
    });
  });
});
