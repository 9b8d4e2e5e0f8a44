import { canonicalPaiStatus, classifyPaiStatus, isKnownPaiStatus, isTerminal } from './pai-status.ts';
import type { PaiStatusClass } from './pai-status.ts';

describe('classifyPaiStatus', () => {
  const rows: {
    name: string;
    input: string;
    want: { cls: PaiStatusClass; terminal: boolean; known: boolean };
  }[] = [
    ...[
      'Initialized',
      'ReadyToSchedule',
      'Starting',
      'WorkflowServiceStarting',
      'Running',
      'Terminating',
      'Unknown',
    ].map((input) => ({
      name: input,
      input,
      want: { cls: 'progressing' as const, terminal: false, known: true },
    })),
    { name: 'Succeeded', input: 'Succeeded', want: { cls: 'succeeded', terminal: true, known: true } },
    {
      name: 'Succeed (SDK spelling)',
      input: 'Succeed',
      want: { cls: 'succeeded', terminal: true, known: true },
    },
    { name: 'Failed', input: 'Failed', want: { cls: 'failed', terminal: true, known: true } },
    { name: 'Terminated', input: 'Terminated', want: { cls: 'failed', terminal: true, known: true } },
    { name: 'Skipped', input: 'Skipped', want: { cls: 'skipped', terminal: true, known: true } },
    { name: 'Suspended', input: 'Suspended', want: { cls: 'suspended', terminal: false, known: true } },
    {
      name: 'other case and blanks',
      input: ' SUCCEEDED ',
      want: { cls: 'succeeded', terminal: true, known: true },
    },
    { name: 'unrecognised', input: 'Paused', want: { cls: 'progressing', terminal: false, known: false } },
    { name: 'empty', input: '', want: { cls: 'progressing', terminal: false, known: false } },
  ];
  it.each(rows)('$name', ({ input, want }) => {
    expect({
      cls: classifyPaiStatus(input),
      terminal: isTerminal(input),
      known: isKnownPaiStatus(input),
    }).toEqual(want);
  });
});

describe('canonicalPaiStatus', () => {
  it.each([
    { name: 'documented spelling', input: 'Running', want: 'Running' },
    { name: 'Succeed', input: 'Succeed', want: 'Succeeded' },
    { name: 'other case', input: 'terminated', want: 'Terminated' },
    { name: 'unrecognised', input: 'Paused', want: undefined },
  ])('$name', ({ input, want }) => {
    expect(canonicalPaiStatus(input)).toBe(want);
  });
});
