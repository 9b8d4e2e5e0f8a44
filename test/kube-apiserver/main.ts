import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBinaries, kubeVersion } from './binaries.ts';
import { ControlPlane } from './control-plane.ts';
import { kubeConfigFor, writeKubeconfig } from './kubeconfig.ts';
import { parseServiceAccount, serviceAccountToken } from './service-account.ts';

/**
 * `npm run kube-apiserver -- --kubeconfig-out FILE [--service-account NS/NAME ...]`: builds the
 * binaries if the cache lacks them, starts etcd + kube-apiserver, writes an admin kubeconfig to FILE and
 * one kubeconfig per ServiceAccount next to it, and serves until SIGTERM, SIGINT or SIGHUP (or, with
 * --stop-with-stdin, until its stdin closes: how the test harness makes sure a killed test runner
 * leaves nothing behind). Then it stops both servers, deletes their data and exits 0.
 */

const USAGE = `usage: npm run kube-apiserver -- [--kubeconfig-out FILE] [--service-account NAMESPACE/NAME ...]
         [--kube-version v1.37.2] [--json] [--stop-with-stdin]
Without --kubeconfig-out the kubeconfigs go in the data folder, deleted on exit.`;

function parse() {
  const { values } = parseArgs({
    options: {
      'kubeconfig-out': { type: 'string' },
      'service-account': { type: 'string', multiple: true, default: [] },
      'kube-version': { type: 'string' },
      json: { type: 'boolean', default: false },
      'stop-with-stdin': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const kubeconfigOut = values['kubeconfig-out'];
  return {
    kubeconfigOut: kubeconfigOut === undefined ? undefined : resolve(kubeconfigOut),
    serviceAccounts: values['service-account'].map((text) => parseServiceAccount(text)),
    version: values['kube-version'] ?? kubeVersion(),
    json: values.json,
    stopWithStdin: values['stop-with-stdin'],
  };
}

async function main(): Promise<number> {
  const options = parse();
  const stopRequested = new Promise<string>((resolveStop) => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const)
      process.once(signal, () => resolveStop(signal));
    if (options.stopWithStdin) {
      process.stdin.on('end', () => resolveStop('stdin closed')).resume();
    }
  });
  const binaries = await ensureBinaries(options.version);
  const started = Date.now();
  const controlPlane = new ControlPlane({ binaries });
  const running = await controlPlane.start();
  try {
    const caPem = readFileSync(running.pki.caCert, 'utf8');
    const admin = {
      server: running.url,
      caPem,
      user: 'admin',
      certPem: running.admin.cert,
      keyPem: running.admin.key,
    };
    const kubeconfig = options.kubeconfigOut ?? join(running.dataDir, 'kubeconfig', 'admin.kubeconfig');
    writeKubeconfig(kubeconfig, admin);
    const serviceAccounts: Record<string, string> = {};
    for (const account of options.serviceAccounts) {
      const token = await serviceAccountToken(kubeConfigFor(admin), account);
      const path = join(dirname(kubeconfig), `${account.namespace}.${account.name}.kubeconfig`);
      const user = `system:serviceaccount:${account.namespace}:${account.name}`;
      writeKubeconfig(path, { server: running.url, caPem, user, token });
      serviceAccounts[`${account.namespace}/${account.name}`] = path;
    }
    const ready = {
      kubeconfig,
      server: running.url,
      version: binaries.version,
      dataDir: running.dataDir,
      serviceAccounts,
    };
    if (options.json) {
      console.log(JSON.stringify(ready));
    } else {
      console.log(`kubeconfig: ${ready.kubeconfig}`);
      console.log(
        `server: ${ready.server} (kube-apiserver ${ready.version}, ready in ${Date.now() - started} ms)`,
      );
      for (const [account, path] of Object.entries(serviceAccounts))
        console.log(`service account ${account}: ${path}`);
      console.log('Serving until SIGTERM or Ctrl-C.');
    }
    const outcome = await Promise.race([
      stopRequested,
      controlPlane.crashed.then((why) => ({ crashed: why })),
    ]);
    if (typeof outcome !== 'string') {
      console.error(outcome.crashed);
      return 1;
    }
    console.error(`${outcome}: stopping kube-apiserver and etcd`);
    return 0;
  } finally {
    await controlPlane.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
