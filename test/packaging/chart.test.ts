import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { parseLabelSelector } from '../../src/util/label-selector.ts';
import { parseDurationMs } from '../../src/util/duration.ts';
import { chart, root } from './helm.ts';
import { overrides } from './chart-values.ts';

/**
 * The chart's static files: the copies that must equal deploy/, and values.schema.json read by a
 * JSON-schema validator (Helm runs it too, in helm-template.test.ts): it must accept what the
 * controller accepts and refuse what would crash-loop it, with the same rules as `run`'s flags.
 */

describe('chart files that must equal deploy/', () => {
  it.each([
    { chartFile: 'crds/crd.yaml', deployFile: 'deploy/crd.yaml' },
    { chartFile: 'files/dashboard.json', deployFile: 'deploy/monitoring/dashboard.json' },
    { chartFile: 'files/prometheusrule.yaml', deployFile: 'deploy/monitoring/prometheusrule.yaml' },
  ])('$chartFile equals $deployFile', ({ chartFile, deployFile }) => {
    expect(readFileSync(join(chart, chartFile), 'utf8')).toBe(readFileSync(join(root, deployFile), 'utf8'));
  });

  it('Chart.yaml is apiVersion v2, version and appVersion 0.1.0', () => {
    expect(parse(readFileSync(join(chart, 'Chart.yaml'), 'utf8'))).toMatchObject({
      apiVersion: 'v2',
      name: 'paiflow-controller',
      version: '0.1.0',
      appVersion: '0.1.0',
    });
  });
});

describe('values.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(chart, 'values.schema.json'), 'utf8')) as {
    properties: { controller: { properties: Record<string, { pattern?: string }> } };
  };
  const check = new Ajv({ allErrors: true }).compile(schema);
  const controller = (values: Record<string, unknown>): unknown => ({ controller: values });

  it.each([
    {
      name: 'values.yaml',
      values: parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as unknown,
      want: true,
    },
    { name: 'the overrides', values: overrides, want: true },
    {
      name: 'global values of an umbrella chart',
      values: { global: { imageRegistry: 'r.example' } },
      want: true,
    },
    { name: 'three replicas', values: { replicaCount: 3 }, want: true },
    { name: 'a lease duration of 15x', values: { leaderElection: { leaseDuration: '15x' } }, want: false },
    { name: 'a retry period of 500ms', values: { leaderElection: { retryPeriod: '500ms' } }, want: true },
    { name: 'an unknown value', values: { replicas: 1 }, want: false },
    { name: 'sharding', values: { sharding: { enabled: true }, replicaCount: 3 }, want: true },
    { name: 'sharding "yes"', values: { sharding: { enabled: 'yes' } }, want: false },
    { name: 'a ring name (not a value)', values: { sharding: { ring: 'r' } }, want: false },
    { name: 'leader election unset', values: { leaderElection: { enabled: null } }, want: true },
    { name: 'leader election "on"', values: { leaderElection: { enabled: 'on' } }, want: false },
    { name: 'a bad log format', values: controller({ logFormat: 'xml' }), want: false },
    { name: 'a bad namespace name', values: { watchNamespaces: ['Team_A'] }, want: false },
    { name: 'a duration of 5x', values: controller({ defaultPollInterval: '5x' }), want: false },
    { name: 'a zero duration', values: controller({ minPollInterval: '0s' }), want: false },
    { name: 'a duration of 1h30m', values: controller({ stalledRetryInterval: '1h30m' }), want: true },
    { name: 'a negative QPS', values: controller({ qps: -1 }), want: false },
    { name: 'a QPS of 0.5', values: controller({ qps: 0.5 }), want: true },
    { name: 'a QPS string of 0', values: controller({ qps: '0' }), want: false },
    { name: 'a burst of 0', values: controller({ burst: 0 }), want: false },
    { name: 'workers 300', values: controller({ workers: 300 }), want: false },
    { name: 'vpcEndpoints "yes"', values: controller({ vpcEndpoints: 'yes' }), want: false },
    { name: 'a malformed label selector', values: controller({ labelSelector: 'a in (' }), want: false },
  ])('$name: valid=$want', ({ values, want }) => {
    expect({ valid: check(values), errors: check.errors }).toMatchObject({ valid: want });
  });

  // The selector pattern is a regular language standing in for labels.Parse: it must agree with the
  // parser `run` checks --label-selector with, on every selector below.
  it.each([
    '',
    'tier=ml',
    'tier==ml',
    'tier!=ml',
    'tier',
    '!canary',
    'env in (prod, staging)',
    'env notin (a,b),tier=ml',
    'example.com/team=a-b_c.d',
    'size>3',
    'size < -1',
    ' tier = ml , !x ',
    'a in (',
    'a in ()',
    '=x',
    'tier=ml,',
    'Example.com/team=a',
    'tier=-bad',
    'size>three',
    'a b',
    'env in prod',
  ])('the label selector pattern agrees with the controller on %j', (selector) => {
    const pattern = new RegExp(schema.properties.controller.properties.labelSelector!.pattern!);
    let parses = true;
    try {
      parseLabelSelector(selector);
    } catch {
      parses = false;
    }
    expect({ selector, schema: pattern.test(selector) }).toEqual({ selector, schema: parses });
  });

  it.each(['30s', '1h30m', '500ms', '1.5h', '0s', '0m0s', '5x', '', '10', 's', '-1s'])(
    'the duration pattern agrees with the controller on %j',
    (duration) => {
      const pattern = new RegExp(schema.properties.controller.properties.defaultPollInterval!.pattern!);
      const ms = parseDurationMs(duration);
      // Empty means "the controller's default"; otherwise run takes positive durations only.
      const accepted = duration === '' || (ms !== undefined && ms > 0);
      expect({ duration, schema: pattern.test(duration) }).toEqual({ duration, schema: accepted });
    },
  );
});
