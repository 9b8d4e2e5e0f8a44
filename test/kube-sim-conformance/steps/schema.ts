import { stringify } from 'yaml';
import { kubectl, NAMESPACE, PRN_PATH, prn, type Step } from '../step.ts';

/** The CRD's schema at work: field validation, defaulting and pruning, CEL rules. */

const merge = 'application/merge-patch+json';

export const schemaSteps: Step[] = [
  {
    area: 'validation',
    name: 'create with an unknown field, fieldValidation=Strict',
    run: (t) =>
      t.request('POST', `${PRN_PATH}?fieldValidation=Strict`, prn('strict', { bogus: 1 }, { bogus: 2 })),
  },
  {
    area: 'validation',
    name: 'create with an unknown field, fieldValidation=Warn',
    run: (t) => t.request('POST', `${PRN_PATH}?fieldValidation=Warn`, prn('warn', { bogus: 1 })),
  },
  {
    area: 'validation',
    name: 'create with a duplicate field, fieldValidation=Strict',
    run: (t) =>
      t.request(
        'POST',
        `${PRN_PATH}?fieldValidation=Strict&dryRun=All`,
        `{"apiVersion":"paiflow.dev/v1alpha1","kind":"PipelineRunNode","metadata":{"name":"dup","namespace":"${NAMESPACE}"},"spec":{"pipelineRunId":"a","pipelineRunId":"b"}}`,
      ),
  },
  {
    area: 'validation',
    name: 'kubectl 1.33 create with an unknown field',
    run: (t) => kubectl(t, '1.33', ['create', '-f', '-'], stringify(prn('unknown', { bogus: 1 }))),
  },
  {
    area: 'validation',
    name: 'kubectl 1.27 apply with an unknown field',
    run: (t) => kubectl(t, '1.27', ['apply', '-f', '-'], stringify(prn('unknown', { bogus: 1 }))),
  },
  {
    area: 'validation',
    name: 'schema violations (enum, maximum, pattern, required)',
    run: (t) =>
      t.request('POST', PRN_PATH, {
        ...prn('bad', { depth: 11, type: 'Other', region: 'Bad_Region' }),
        spec: { depth: 11, type: 'Other', region: 'Bad_Region' },
      }),
  },
  {
    area: 'validation',
    name: 'kubectl 1.33 apply of a schema violation',
    run: (t) =>
      kubectl(t, '1.33', ['apply', '-f', '-'], stringify(prn('bad', { depth: 0, pollInterval: 'soon' }))),
  },
  {
    area: 'validation',
    name: 'invalid name and label',
    run: (t) => t.request('POST', PRN_PATH, prn('Bad_Name', {}, { labels: { 'bad key!': 'v' } })),
  },
  {
    area: 'validation',
    name: 'wrong type (string for an integer)',
    run: (t) => t.request('POST', PRN_PATH, prn('wrongtype', { depth: 'two' })),
  },
  {
    area: 'defaulting',
    name: 'create fills defaults and prunes unknown fields (fieldValidation=Ignore)',
    run: (t) =>
      t.request('POST', `${PRN_PATH}?fieldValidation=Ignore`, {
        ...prn('defaults', { bogus: 1 }, { bogus: 2 }),
        status: { phase: 'Running' },
        extra: true,
      }),
  },
  {
    area: 'defaulting',
    name: 'a merge patch removing a defaulted field gets the default back',
    run: (t) => t.request('PATCH', `${PRN_PATH}/defaults`, { spec: { depth: null, type: null } }, merge),
  },
  {
    area: 'defaulting',
    name: 'kubectl 1.27 get -o yaml shows the defaults',
    run: (t) => kubectl(t, '1.27', ['get', 'prn', 'defaults', '-n', NAMESPACE, '-o', 'yaml']),
  },
  {
    area: 'cel',
    name: 'changing an immutable pipelineRunId',
    run: (t) => t.request('PATCH', `${PRN_PATH}/defaults`, { spec: { pipelineRunId: 'flow-other' } }, merge),
  },
  {
    area: 'cel',
    name: 'adding a nodeId after creation',
    run: (t) => t.request('PATCH', `${PRN_PATH}/defaults`, { spec: { nodeId: 'node-9' } }, merge),
  },
  {
    area: 'cel',
    name: 'a pollInterval over 24h',
    run: (t) => t.request('POST', PRN_PATH, prn('slow', { pollInterval: '25h' })),
  },
  {
    area: 'cel',
    name: 'kubectl 1.33 apply changing the immutable pipelineRunId',
    run: (t) =>
      kubectl(
        t,
        '1.33',
        ['apply', '-f', '-'],
        stringify(prn('csa', { nodeId: 'node-1', pipelineRunId: 'flow-x' })),
      ),
  },
];
