import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { describeWithKubeApiServer, START_TIMEOUT_MS } from '../support/kube-apiserver.ts';
import { compare } from './compare.ts';
import { knownDifferences } from './known-differences.ts';
import { runSession, session, stepId } from './session.ts';
import { kubectlTool } from '../support/tools.ts';
import { KUBECTL_VERSIONS, kubeApiServerTarget, kubeSimTarget, type Target } from './target.ts';

/**
 * kube-sim answers the conformance session (`npm run kube-sim:conformance`) as the real
 * kube-apiserver does, except for the steps docs/kube-sim.md lists as known differences, each with
 * its reason. A new difference fails, and so does a listed one that no longer differs (the list
 * must shrink when kube-sim gets closer).
 */

it('lists known differences only for steps the session has', () => {
  const ids = new Set(session.map(stepId));
  expect([...knownDifferences().keys()].filter((id) => !ids.has(id))).toEqual([]);
  expect(ids.size).toBe(session.length);
});

describeWithKubeApiServer(
  'kube-sim against kube-apiserver',
  () => {
    let real: Target;
    let sim: Target;
    beforeAll(async () => {
      [real, sim] = await Promise.all([kubeApiServerTarget(), kubeSimTarget()]);
    }, START_TIMEOUT_MS);
    afterAll(async () => {
      await Promise.all([real.stop(), sim.stop()]);
    });

    it('answers every step as the real server does, but for the known differences', async () => {
      const expected = await runSession(real);
      const actual = await runSession(sim);
      const comparison = compare(expected.answers, actual.answers);
      const known = knownDifferences();
      const unexpected = comparison.differences.filter((difference) => !known.has(difference.id));
      expect(unexpected.map((difference) => `${difference.id}\n${difference.diff}`)).toEqual([]);
      const differing = new Set(comparison.differences.map((difference) => difference.id));
      expect([...known.keys()].filter((id) => !differing.has(id))).toEqual([]);
    }, 180_000);
  },
  KUBECTL_VERSIONS.map((version) => kubectlTool(version)),
);
