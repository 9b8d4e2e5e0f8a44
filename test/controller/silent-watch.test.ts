import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { systemClock, type Clock } from '../../src/clock/clock.ts';
import { FakeClock } from '../../src/clock/fake-clock.ts';
import { ResourceInformer, type ChangeType } from '../../src/controller/informer/resource-informer.ts';
import { PipelineRunNodeApi } from '../../src/kube/pipelinerunnode-api.ts';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { NAMESPACE, readCrd, waitFor } from '../support/environment.ts';

// A watch that goes silent (the connection is accepted and then nothing comes back: a half-open
// connection, a stuck proxy or load balancer) must not leave the cache stale for ever: the
// informer's watchdog restarts it. ResourceInformer is built here directly, with a short watchdog
// (Manager does not expose it).

const WATCHDOG_MS = 300;

/**
 * An HTTP proxy in front of kube-sim that holds back the requests `holding` selects: accepted, read,
 * and never answered, until `release()` forwards them. Everything else is forwarded at once.
 */
class HoldingProxy {
  readonly #server: Server;
  readonly #target: string;
  #held: (() => Promise<void>)[] = [];
  holding: (url: URL) => boolean = () => true;

  constructor(target: string) {
    this.#target = target;
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
  }

  /** Requests held back now. */
  get held(): number {
    return this.#held.length;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Forwards every held request; resolves once kube-sim has answered each one's headers. */
  async release(): Promise<void> {
    const held = this.#held;
    this.#held = [];
    await Promise.all(held.map((forward) => forward()));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const forward = (): Promise<void> => this.#forward(req, Buffer.concat(chunks), res);
    if (this.holding(new URL(req.url ?? '/', this.#target))) this.#held.push(forward);
    else await forward();
  }

  #forward(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      const upstream = request(
        new URL(req.url ?? '/', this.#target),
        { method: req.method, headers: req.headers, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.flushHeaders(); // a watch's body may not come for a long time; its headers do at once
          answer.pipe(res);
          resolve();
        },
      );
      upstream.on('error', () => {
        res.destroy();
        resolve();
      });
      // The client gave up (or aborted the watch): so does the proxy, and kube-sim sees it.
      res.on('close', () => upstream.destroy());
      upstream.end(body);
    });
  }
}

interface Harness {
  informer: ResourceInformer;
  changes: { type: ChangeType; name: string }[];
  restarts: string[];
  /** Requests the informer has begun (lists and watches both authenticate first). */
  requestsBegun(): number;
}

function startInformer(server: string, clock: Clock = systemClock): Harness {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeSim.kubeconfig());
  kubeConfig.clusters = kubeConfig.clusters.map((c) => ({ ...c, server }));
  let begun = 0;
  const authenticate = kubeConfig.applySecurityAuthentication.bind(kubeConfig);
  kubeConfig.applySecurityAuthentication = (context) => {
    begun += 1;
    return authenticate(context);
  };
  const changes: Harness['changes'] = [];
  const restarts: string[] = [];
  const informer = new ResourceInformer({
    kubeConfig,
    api: new PipelineRunNodeApi({ kubeConfig }),
    clock,
    namespaces: [NAMESPACE],
    watchdogMs: WATCHDOG_MS,
    restartBackoff: { minMs: 50, maxMs: 200 },
    onChange: (type, object) => changes.push({ type, name: object.metadata.name }),
    events: { onRestart: ({ reason }) => restarts.push(reason) },
  });
  return { informer, changes, restarts, requestsBegun: () => begun };
}

function prn(name: string): Record<string, unknown> {
  return {
    apiVersion: 'paiflow.dev/v1alpha1',
    kind: 'PipelineRunNode',
    metadata: { name, namespace: NAMESPACE },
    spec: { pipelineRunId: 'flow-silent0001' },
  };
}

let kubeSim: KubeSim;
let kubeUrl: string;
let proxy: HoldingProxy;
let proxyUrl: string;
let harness: Harness | undefined;

beforeEach(async () => {
  kubeSim = new KubeSim();
  kubeSim.create(readCrd());
  kubeUrl = await kubeSim.listen({ host: '127.0.0.1', port: 0 });
  kubeSim.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  kubeSim.create(prn('before'));
  proxy = new HoldingProxy(kubeUrl);
  proxyUrl = await proxy.listen();
});

afterEach(async () => {
  await harness?.informer.stop();
  harness = undefined;
  await proxy.close();
  await kubeSim.close();
});

test('a server that accepts and never answers: restarted by the watchdog; once it answers, synced', async () => {
  harness = startInformer(proxyUrl);
  const { informer, restarts } = harness;
  const started = informer.start();
  await waitFor(() => restarts.includes('watch silent too long'), 'a watchdog restart');
  expect(informer.hasSynced()).toBe(false);

  proxy.holding = () => false; // what was held stays held: those connections are dead
  await started;
  expect(informer.list().map((r) => r.metadata.name)).toEqual(['before']);
  kubeSim.create(prn('after'));
  await waitFor(() => informer.get(NAMESPACE, 'after'), 'the watch to deliver a new resource');
});

test('watches answered only after the watchdog gave up on them: one watch remains, no change twice', async () => {
  harness = startInformer(proxyUrl);
  const { informer, restarts, changes } = harness;
  proxy.holding = (url) => url.searchParams.get('watch') === 'true';
  await informer.start(); // the list is answered: synced, though no watch has been answered yet
  await waitFor(() => restarts.length >= 2 && proxy.held >= 2, 'two watchdog restarts');

  // The held-back watches come to life after all, then the proxy stops holding (the next restart works).
  proxy.holding = () => false;
  await proxy.release();
  kubeSim.create(prn('after'));
  await waitFor(() => informer.get(NAMESPACE, 'after'), 'the watch to deliver a new resource');
  await waitFor(() => kubeSim.watchCount === 1, 'the abandoned watches to be closed');

  kubeSim.create(prn('later'));
  await waitFor(() => informer.get(NAMESPACE, 'later'), 'the watch to deliver another resource');
  expect(kubeSim.watchCount).toBe(1);
  expect(changes).toEqual([
    { type: 'add', name: 'before' },
    { type: 'add', name: 'after' },
    { type: 'add', name: 'later' },
  ]);
});

test('stopped while waiting to re-watch, it starts no watch afterwards', async () => {
  const clock = new FakeClock({ now: Date.now() });
  harness = startInformer(kubeUrl, clock);
  const { informer } = harness;
  await informer.start();
  await waitFor(() => kubeSim.watchCount === 1, 'the watch');
  // client-node re-watches at once after the first close, then waits (1 s) after a close that
  // followed no event: that wait runs on the informer's clock.
  kubeSim.closeWatches();
  await waitFor(
    () => kubeSim.watchCount === 1 && kubeSim.counters.count({ verb: 'watch' }) === 2,
    're-watch',
  );
  const waiting = clock.pendingTimers();
  kubeSim.closeWatches();
  await waitFor(() => clock.pendingTimers() > waiting, 'the reconnect delay');

  await informer.stop();
  const begun = harness.requestsBegun();
  clock.advance(60_000);
  // What the delay's end sets off runs in microtasks: one turn of the event loop covers it.
  await new Promise((resolve) => setImmediate(resolve));
  expect(harness.requestsBegun()).toBe(begun);
  expect(kubeSim.watchCount).toBe(0);
});
