import type { PipelineRunNodeStatus } from '../../api/v1alpha1.ts';
import { statusEqual } from './status-equal.ts';

const base: PipelineRunNodeStatus = {
  observedGeneration: 1,
  phase: 'Running',
  runtimeInfo: { a: '1', b: '2' },
  children: [{ nodeId: 'n1', status: 'Running' }],
  conditions: [
    { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'm', lastTransitionTime: 't' },
  ],
};

describe('statusEqual', () => {
  const rows: {
    name: string;
    input: [PipelineRunNodeStatus | undefined, PipelineRunNodeStatus | undefined];
    want: boolean;
  }[] = [
    { name: 'same object', input: [base, base], want: true },
    { name: 'deep copy', input: [base, structuredClone(base)], want: true },
    {
      name: 'other key order',
      input: [
        base,
        {
          conditions: base.conditions,
          children: base.children,
          runtimeInfo: { b: '2', a: '1' },
          phase: 'Running',
          observedGeneration: 1,
        },
      ],
      want: true,
    },
    { name: 'undefined property is absent', input: [base, { ...base, nodeName: undefined }], want: true },
    { name: 'absent status is empty', input: [undefined, {}], want: true },
    { name: 'changed leaf', input: [base, { ...base, phase: 'Succeeded' }], want: false },
    { name: 'added property', input: [base, { ...base, nodeName: 'x' }], want: false },
    { name: 'changed map value', input: [base, { ...base, runtimeInfo: { a: '1', b: '3' } }], want: false },
    {
      name: 'longer list',
      input: [base, { ...base, children: [...(base.children ?? []), { nodeId: 'n2', status: 'Running' }] }],
      want: false,
    },
    {
      name: 'list order matters',
      input: [
        {
          children: [
            { nodeId: 'a', status: 'x' },
            { nodeId: 'b', status: 'x' },
          ],
        },
        {
          children: [
            { nodeId: 'b', status: 'x' },
            { nodeId: 'a', status: 'x' },
          ],
        },
      ],
      want: false,
    },
    {
      name: 'number vs string',
      input: [{ observedGeneration: 1 }, { observedGeneration: '1' as unknown as number }],
      want: false,
    },
    {
      name: 'object vs array',
      input: [{ runtimeInfo: {} }, { runtimeInfo: [] as unknown as Record<string, string> }],
      want: false,
    },
  ];
  it.each(rows)('$name', ({ input: [a, b], want }) => {
    expect(statusEqual(a, b)).toBe(want);
    expect(statusEqual(b, a)).toBe(want);
  });
});
