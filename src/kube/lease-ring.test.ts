import { KubeConfig } from '@kubernetes/client-node';
import { KubeLeaseRing } from './lease-ring.ts';

test("a member's Lease is named <ring>-<identity>; an identity that cannot make a name is refused, naming it", () => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const ring = new KubeLeaseRing({ kubeConfig, namespace: 'paiflow-system', ring: 'paiflow-controller' });
  expect(ring.leaseName('paiflow-controller-7d9c5-x2k-4f3a')).toBe(
    'paiflow-controller-paiflow-controller-7d9c5-x2k-4f3a',
  );
  expect(() => ring.leaseName('Pod_A')).toThrow('"paiflow-controller-Pod_A"');
  expect(() => ring.leaseName('a'.repeat(240))).toThrow('at most 253 characters');
});
