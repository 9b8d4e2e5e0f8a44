import type { Condition } from '../../api/v1alpha1.ts';
import { MAX_CONDITION_MESSAGE, setCondition } from './conditions.ts';
import type { ConditionUpdate } from './conditions.ts';

const T0 = Date.parse('2025-03-01T10:00:00Z');
const T1 = T0 + 60_000;

const ready: Condition = {
  type: 'Ready',
  status: 'Unknown',
  reason: 'Progressing',
  message: 'Node is Running',
  lastTransitionTime: '2025-03-01T10:00:00Z',
  observedGeneration: 1,
};
const synced: Condition = {
  type: 'Synced',
  status: 'True',
  reason: 'Polled',
  message: 'ok',
  lastTransitionTime: '2025-03-01T10:00:00Z',
};

describe('setCondition', () => {
  const rows: {
    name: string;
    input: { conditions: Condition[] | undefined; next: ConditionUpdate };
    want: Condition[];
  }[] = [
    {
      name: 'new condition: lastTransitionTime is now',
      input: {
        conditions: undefined,
        next: { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'm' },
      },
      want: [
        {
          type: 'Ready',
          status: 'Unknown',
          reason: 'Progressing',
          message: 'm',
          lastTransitionTime: '2025-03-01T10:01:00Z',
        },
      ],
    },
    {
      name: 'status flips: lastTransitionTime moves',
      input: {
        conditions: [ready],
        next: { ...ready, status: 'True', reason: 'Succeeded', message: 'done' },
      },
      want: [
        {
          ...ready,
          status: 'True',
          reason: 'Succeeded',
          message: 'done',
          lastTransitionTime: '2025-03-01T10:01:00Z',
        },
      ],
    },
    {
      name: 'reason and message change, status does not: lastTransitionTime kept',
      input: {
        conditions: [ready],
        next: { ...ready, reason: 'Throttled', message: 'other', observedGeneration: 2 },
      },
      want: [{ ...ready, reason: 'Throttled', message: 'other', observedGeneration: 2 }],
    },
    {
      name: 'order is Ready, Reconciling, Stalled, Synced, then others',
      input: {
        conditions: [synced, { ...synced, type: 'Custom' }, { ...synced, type: 'Stalled', status: 'False' }],
        next: {
          type: 'Ready',
          status: 'Unknown',
          reason: 'Progressing',
          message: 'Node is Running',
          observedGeneration: 1,
        },
      },
      want: [
        { ...ready, lastTransitionTime: '2025-03-01T10:01:00Z' },
        { ...synced, type: 'Stalled', status: 'False' },
        synced,
        { ...synced, type: 'Custom' },
      ],
    },
  ];
  it.each(rows)('$name', ({ input, want }) => {
    expect(setCondition(input.conditions, input.next, T1)).toEqual(want);
  });

  it('bounds the message', () => {
    const [out] = setCondition([], { ...ready, message: 'x'.repeat(5000) }, T1);
    expect(out?.message).toHaveLength(MAX_CONDITION_MESSAGE);
    expect(out?.message.endsWith('...')).toBe(true);
  });

  it('never splits a surrogate pair when bounding', () => {
    // The cut (at MAX - 3) falls between the two halves of the first emoji.
    const message = `${'x'.repeat(MAX_CONDITION_MESSAGE - 4)}😀😀y`;
    const [out] = setCondition([], { ...ready, message }, T1);
    expect(out?.message).toBe(`${'x'.repeat(MAX_CONDITION_MESSAGE - 4)}...`);
  });

  it('does not modify its input', () => {
    const conditions = [ready];
    setCondition(conditions, { ...ready, status: 'True' }, T1);
    expect(conditions).toEqual([ready]);
  });
});
