import {
  describeWithKubeApiServer,
  START_TIMEOUT_MS,
  startKubeApiServer,
} from '../support/kube-apiserver.ts';
import { KUBECTL_VERSIONS } from '../support/tools.ts';
import { kubectlMatrix } from '../kube-sim/kubectl-matrix.ts';

/**
 * The kubectl matrix, every kubectl version the project supports, against one real kube-apiserver
 * (test/kube-sim/kubectl.test.ts runs the same tests against kube-sim).
 */

describeWithKubeApiServer('real kubectl against the real kube-apiserver', () => {
  kubectlMatrix(KUBECTL_VERSIONS, () => startKubeApiServer(), START_TIMEOUT_MS);
});
