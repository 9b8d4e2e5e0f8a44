import { describe, expect, it } from '@jest/globals';
import { KubeError } from './errors.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';

describe('parseLabelSelector', () => {
  const labels = { app: 'demo', tier: 'gold', size: '5' };
  const table: Array<{ name: string; input: string; want: boolean }> = [
    { name: 'empty selects all', input: '', want: true },
    { name: 'equality', input: 'app=demo', want: true },
    { name: 'double equals', input: 'app==other', want: false },
    { name: 'inequality', input: 'app!=demo', want: false },
    { name: 'inequality of a missing key', input: 'missing!=x', want: true },
    { name: 'set in', input: 'tier in (gold, silver)', want: true },
    { name: 'set notin', input: 'tier notin (gold)', want: false },
    { name: 'exists', input: 'app', want: true },
    { name: 'does not exist', input: '!app', want: false },
    { name: 'greater than', input: 'size>4', want: true },
    { name: 'less than', input: 'size<4', want: false },
    { name: 'conjunction', input: 'app=demo,tier in (gold),!missing', want: true },
  ];
  it.each(table)('$name', ({ input, want }) => {
    expect(parseLabelSelector(input).matches(labels)).toBe(want);
  });

  it('rejects what does not parse with a 400', () => {
    expect(() => parseLabelSelector('app=a b')).toThrow(KubeError);
    expect(() => parseLabelSelector('size>x')).toThrow(/unable to parse requirement/);
  });
});

describe('parseFieldSelector', () => {
  const fields = { 'metadata.name': 'a,b', 'metadata.namespace': 'default' };
  const table: Array<{ name: string; input: string; want: boolean }> = [
    { name: 'equality with an escaped comma', input: 'metadata.name=a\\,b', want: true },
    { name: 'conjunction', input: 'metadata.name==a\\,b,metadata.namespace!=default', want: false },
    { name: 'inequality', input: 'metadata.namespace!=kube-system', want: true },
  ];
  it.each(table)('$name', ({ input, want }) => {
    expect(parseFieldSelector(input).matches(fields)).toBe(want);
  });

  it('lists the fields it names, so callers can refuse unsupported ones', () => {
    expect(parseFieldSelector('metadata.name=x,spec.depth=2').fields).toEqual([
      'metadata.name',
      'spec.depth',
    ]);
    expect(() => parseFieldSelector('nonsense')).toThrow(KubeError);
  });
});
