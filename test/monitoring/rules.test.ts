/**
 * deploy/monitoring/prometheusrule.yaml: checked statically (labels, annotations, runbook sections,
 * metrics and labels against docs/metrics.md, every alert unit-tested both ways), then by the real
 * Prometheus tools: `promtool check rules` and `promtool test rules` with
 * test/monitoring/prometheusrule.test.yaml.
 */
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { MetricCatalogue } from './metric-catalogue.ts';
import { promqlProblems } from './promql.ts';
import { describeWithTools } from '../support/tools.ts';
import { promtool, promtoolTool } from './promtool.ts';

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface PrometheusRule {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: { groups: { name: string; rules: AlertRule[] }[] };
}

interface PromtoolTests {
  rule_files: string[];
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

const RULE_FILE = fileURLToPath(new URL('../../deploy/monitoring/prometheusrule.yaml', import.meta.url));
const TEST_FILE = fileURLToPath(new URL('./prometheusrule.test.yaml', import.meta.url));
const RUNBOOKS = new URL('../../docs/runbooks.md', import.meta.url);
const RUNBOOK_URL = 'https://github.com/paiflow-dev/paiflow-controller/blob/main/docs/runbooks.md';
const JOB = 'paiflow-controller';

const rule = parse(readFileSync(RULE_FILE, 'utf8')) as PrometheusRule;
const alerts = rule.spec.groups.flatMap((group) => group.rules);
const promtoolTests = parse(readFileSync(TEST_FILE, 'utf8')) as PromtoolTests;
const runbooks = readFileSync(RUNBOOKS, 'utf8');

/** The text of `## name` in docs/runbooks.md, up to the next `## ` heading; undefined if absent. */
function runbookSection(name: string): string | undefined {
  const start = runbooks.indexOf(`\n## ${name}\n`);
  if (start < 0) return undefined;
  const end = runbooks.indexOf('\n## ', start + 1);
  return runbooks.slice(start, end < 0 ? undefined : end);
}

describe('the PrometheusRule', () => {
  const catalogue = MetricCatalogue.load();

  test('is a monitoring.coreos.com/v1 PrometheusRule labelled for the operator, with unique alert names', () => {
    expect(rule).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { labels: { 'app.kubernetes.io/name': 'paiflow-controller' } },
    });
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'PaiflowAPIErrorRateHigh',
      'PaiflowAPIThrottled',
      'PaiflowControllerDown',
      'PaiflowControllerNotReconciling',
      'PaiflowNodeFailed',
      'PaiflowNodeRunningTooLong',
      'PaiflowObservationsLate',
      'PaiflowResourcesStale',
      'PaiflowResourcesStalled',
    ]);
  });

  test.each(alerts)('$alert has a severity, a summary, a description and a runbook section', (alert) => {
    expect(['critical', 'warning', 'info']).toContain(alert.labels?.severity);
    expect(alert.annotations?.summary).toMatch(/\S/);
    expect(alert.annotations?.description).toMatch(/\S/);
    expect(alert.annotations?.runbook_url).toBe(`${RUNBOOK_URL}#${alert.alert.toLowerCase()}`);
    if (/by \((cluster, )?namespace/.test(alert.expr)) {
      expect(alert.annotations?.description).toContain('{{ $labels.namespace }}');
    }
    const section = runbookSection(alert.alert);
    expect(section).toBeDefined();
    for (const part of ['**Meaning.**', '**Impact.**', '**Diagnosis.**', '**Fix.**', 'kubectl ']) {
      expect(section).toContain(part);
    }
  });

  test.each(alerts)('$alert selects only catalogued metrics and labels, bounded by the job', (alert) => {
    expect(promqlProblems(alert.expr, catalogue, JOB)).toEqual([]);
  });

  test.each(alerts)('$alert has promtool tests where it fires and where it does not', (alert) => {
    const cases = promtoolTests.tests
      .flatMap((t) => t.alert_rule_test ?? [])
      .filter((c) => c.alertname === alert.alert);
    expect(cases.some((c) => c.exp_alerts.length > 0)).toBe(true);
    expect(cases.some((c) => c.exp_alerts.length === 0)).toBe(true);
  });

  test('the threshold patch in the runbook points at PaiflowNodeRunningTooLong', () => {
    expect(runbookSection('PaiflowNodeRunningTooLong')).toContain('path: /spec/groups/0/rules/1/expr');
    expect(rule.spec.groups[0]?.rules[1]?.alert).toBe('PaiflowNodeRunningTooLong');
  });
});

describeWithTools('the PrometheusRule with promtool', [promtoolTool()], () => {
  let dir = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paiflow-rules-'));
    // promtool reads plain rule files: the PrometheusRule's spec, where the unit tests expect it.
    expect(promtoolTests.rule_files).toEqual(['rules.yaml']);
    await writeFile(join(dir, 'rules.yaml'), stringify(rule.spec));
    await copyFile(TEST_FILE, join(dir, 'tests.yaml'));
  });

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  test('promtool check rules accepts them', async () => {
    const { code, output } = await promtool(['check', 'rules', 'rules.yaml'], dir);
    expect({ code, output }).toEqual({
      code: 0,
      output: expect.stringContaining(`SUCCESS: ${alerts.length} rules found`),
    });
  });

  test('promtool test rules passes', async () => {
    const { code, output } = await promtool(['test', 'rules', 'tests.yaml'], dir);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('SUCCESS') });
  });
});
