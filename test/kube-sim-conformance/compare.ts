import { isDeepStrictEqual } from 'node:util';
import { diff } from 'jest-diff';
import { stringify } from 'yaml';
import { areas, type Area } from './step.ts';
import { session, stepId } from './session.ts';

/** Where kube-sim and the real server answered a step differently. */
export interface Difference {
  id: string;
  area: Area;
  /** A unified diff of the two normalized answers (YAML), kube-apiserver `-`, kube-sim `+`. */
  diff: string;
}

export interface Comparison {
  perArea: Array<{ area: Area; agree: number; total: number }>;
  agree: number;
  total: number;
  differences: Difference[];
}

const plain = (text: string): string => text;

/** Compares the normalized answers of the real server (`expected`) and kube-sim (`actual`), step by step. */
export function compare(expected: Map<string, unknown>, actual: Map<string, unknown>): Comparison {
  const differences: Difference[] = [];
  const counts = new Map<Area, { agree: number; total: number }>(
    areas.map((area) => [area, { agree: 0, total: 0 }]),
  );
  for (const step of session) {
    const id = stepId(step);
    const count = counts.get(step.area)!;
    count.total++;
    const want = expected.get(id);
    const got = actual.get(id);
    if (isDeepStrictEqual(want, got)) {
      count.agree++;
      continue;
    }
    const text =
      diff(stringify(want, { lineWidth: 0 }), stringify(got, { lineWidth: 0 }), {
        aAnnotation: 'kube-apiserver',
        bAnnotation: 'kube-sim',
        contextLines: 2,
        expand: false,
        aColor: plain,
        bColor: plain,
        changeColor: plain,
        commonColor: plain,
        patchColor: plain,
      }) ?? '';
    differences.push({ id, area: step.area, diff: text });
  }
  const perArea = areas.map((area) => ({ area, ...counts.get(area)! }));
  return {
    perArea,
    agree: perArea.reduce((sum, a) => sum + a.agree, 0),
    total: perArea.reduce((sum, a) => sum + a.total, 0),
    differences,
  };
}
