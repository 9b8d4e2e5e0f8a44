/**
 * The objects that get the metrics into Prometheus agree with each other and with the alerts: the
 * ServiceMonitor selects the metrics Service and its port, and turns the Service's label into
 * job="paiflow-controller"; the kube-state-metrics configuration reads fields the CRD has, lists
 * the PAI statuses the controller knows, and makes the series docs/metrics.md promises.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { isKnownPaiStatus } from '../../src/controller/status/pai-status.ts';
import { METRICS_DOC } from './metric-catalogue.ts';

function load(path: string): unknown {
  return parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'));
}

interface Service {
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: {
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: number | string }[];
  };
}

interface ServiceMonitor {
  apiVersion: string;
  kind: string;
  spec: {
    jobLabel: string;
    selector: { matchLabels: Record<string, string> };
    namespaceSelector: { matchNames: string[] };
    endpoints: {
      port: string;
      path: string;
      honorLabels?: boolean;
      metricRelabelings?: Record<string, unknown>[];
    }[];
  };
}

interface KsmMetric {
  name: string;
  each: {
    type: 'Gauge' | 'StateSet';
    gauge?: { path: string[] };
    stateSet?: { path: string[]; list: string[]; labelName: string; valueFrom?: string[] };
  };
}

interface KsmConfig {
  kind: string;
  spec: {
    resources: {
      groupVersionKind: { group: string; version: string; kind: string };
      metricNamePrefix: string;
      labelsFromPath: Record<string, string[]>;
      metrics: KsmMetric[];
    }[];
  };
}

interface Crd {
  spec: {
    group: string;
    names: { kind: string };
    versions: {
      name: string;
      schema: { openAPIV3Schema: { properties: { status: { properties: Record<string, unknown> } } } };
    }[];
  };
}

const service = load('deploy/monitoring/service.yaml') as Service;
const monitor = load('deploy/monitoring/servicemonitor.yaml') as ServiceMonitor;
const ksm = load('deploy/monitoring/kube-state-metrics-config.yaml') as KsmConfig;
const crd = load('deploy/crd.yaml') as Crd;

describe('the ServiceMonitor and the metrics Service', () => {
  test('the Service exposes port 8080 named metrics of the controller pods', () => {
    expect(service.kind).toBe('Service');
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'paiflow-controller' });
    expect(service.spec.ports).toContainEqual(expect.objectContaining({ name: 'metrics', port: 8080 }));
  });

  test('the ServiceMonitor selects the Service, its namespace and its metrics port', () => {
    expect(monitor).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' });
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.namespaceSelector.matchNames).toContain(service.metadata.namespace);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
  });

  test('series get job="paiflow-controller" and keep their own namespace label, without honorLabels', () => {
    expect(service.metadata.labels[monitor.spec.jobLabel]).toBe('paiflow-controller');
    expect(monitor.spec.endpoints[0]?.honorLabels).toBeUndefined();
    // prometheus-e2e.test.ts scrapes with these relabelings and checks the alerts name the namespace.
    expect(monitor.spec.endpoints[0]?.metricRelabelings).toEqual([
      expect.objectContaining({ sourceLabels: ['exported_namespace'], targetLabel: 'namespace' }),
      { regex: 'exported_namespace', action: 'labeldrop' },
    ]);
  });
});

describe('the kube-state-metrics configuration', () => {
  const [resource] = ksm.spec.resources;
  const statusFields = Object.keys(crd.spec.versions[0]!.schema.openAPIV3Schema.properties.status.properties);

  test('reads PipelineRunNodes, labelled by namespace and name', () => {
    expect(ksm.kind).toBe('CustomResourceStateMetrics');
    expect(ksm.spec.resources).toHaveLength(1);
    expect(resource!.groupVersionKind).toEqual({
      group: crd.spec.group,
      version: crd.spec.versions[0]!.name,
      kind: crd.spec.names.kind,
    });
    expect(resource!.labelsFromPath).toEqual({
      namespace: ['metadata', 'namespace'],
      pipelinerunnode: ['metadata', 'name'],
    });
  });

  test.each(resource!.metrics)('$name reads a field the CRD has', (metric) => {
    const path = metric.each.gauge?.path ?? metric.each.stateSet?.path ?? [];
    if (path[0] === 'status') expect(statusFields).toContain(path[1]);
    else expect(path).toEqual(['metadata', 'creationTimestamp']);
  });

  test('the phase state set lists the PAI statuses the controller knows', () => {
    const phase = resource!.metrics.find((m) => m.name === 'status_phase')?.each.stateSet;
    expect(phase?.labelName).toBe('phase');
    expect(phase?.list.filter((status) => !isKnownPaiStatus(status))).toEqual([]);
    expect(phase?.list).toEqual(
      expect.arrayContaining(['Running', 'Succeeded', 'Failed', 'Terminated', 'Skipped']),
    );
  });

  test('makes the kube_pipelinerunnode_* series docs/metrics.md lists', () => {
    const documented = [
      ...readFileSync(METRICS_DOC, 'utf8').matchAll(/^\| `(kube_pipelinerunnode_\w+)`/gm),
    ].map((m) => m[1]);
    const made = resource!.metrics.map((m) => `${resource!.metricNamePrefix}_${m.name}`);
    expect(made.sort()).toEqual(documented.sort());
  });
});
