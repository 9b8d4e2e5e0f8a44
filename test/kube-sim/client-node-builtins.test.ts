import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  EventsV1Api,
  KubeConfig,
  V1MicroTime,
} from '@kubernetes/client-node';
import type { V1Lease } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';

/**
 * The built-in kinds the controller writes, through @kubernetes/client-node's typed APIs (which
 * send no apiVersion/kind): Events in both API groups, Leases with MicroTime and optimistic
 * concurrency, Secrets read by the controller.
 */

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: number; message: string; reason: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiException) {
      // client-node leaves the body undefined on 401.
      const text = err.body as string | undefined;
      const body =
        text === undefined
          ? { message: '', reason: 'Unauthorized' }
          : (JSON.parse(text) as { message: string; reason: string });
      return { code: err.code, message: body.message, reason: body.reason };
    }
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe('client-node typed APIs against kube-sim', () => {
  let sim: KubeSim;
  let kc: KubeConfig;

  beforeAll(async () => {
    sim = new KubeSim();
    await sim.listen({ host: '127.0.0.1', port: 0 });
    kc = new KubeConfig();
    kc.loadFromString(sim.kubeconfig());
  });

  afterAll(async () => {
    await sim.close();
  });

  it('serves events written through either API group as one set of objects', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const events = kc.makeApiClient(EventsV1Api);
    const regarding = {
      apiVersion: 'paiflow.dev/v1alpha1',
      kind: 'PipelineRunNode',
      name: 'train',
      namespace: 'default',
      uid: 'u1',
    };
    const legacy = await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { generateName: 'train.' },
        involvedObject: regarding,
        reason: 'Started',
        message: 'node started',
        type: 'Normal',
        source: { component: 'paiflow-controller' },
        firstTimestamp: new Date('2025-01-01T00:00:00.123Z'),
        count: 1,
      },
    });
    expect(legacy.metadata.name).toMatch(/^train\.[a-z0-9]{5}$/);
    const modern = await events.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { generateName: 'train.' },
        eventTime: new V1MicroTime('2025-01-01T00:00:00.123456Z'),
        action: 'Poll',
        reason: 'Polled',
        note: 'polled',
        type: 'Normal',
        reportingController: 'paiflow.dev/controller',
        reportingInstance: 'pod-1',
        regarding,
      },
    });
    const listed = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: 'involvedObject.name=train',
    });
    // Lists come in name order, and the generated names are random.
    const byName = (rows: unknown[][]): unknown[][] =>
      rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(listed.items.map((e) => [e.metadata.name, e.reason, e.message])).toEqual(
      byName([
        [legacy.metadata.name, 'Started', 'node started'],
        [modern.metadata?.name, 'Polled', 'polled'],
      ]),
    );
    // metav1.Time is whole seconds on the wire.
    expect(
      sim.get({ apiVersion: 'v1', kind: 'Event', namespace: 'default', name: legacy.metadata.name ?? '' })
        ?.firstTimestamp,
    ).toBe('2025-01-01T00:00:00Z');
    const noMicro = await failure(
      events.createNamespacedEvent({
        namespace: 'default',
        body: {
          metadata: { generateName: 'x.' },
          eventTime: new Date(),
          action: 'a',
          reason: 'r',
          type: 'Normal',
          reportingController: 'c',
          reportingInstance: 'i',
        },
      }),
    );
    expect(noMicro.code).toBe(400);
    expect(noMicro.message).toMatch(
      /^Event in version "v1" cannot be handled as a Event: parsing time ".*" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "\.\d{3}Z" as "\.000000"$/,
    );
  });

  it('renews a lease with replace and refuses a stale one', async () => {
    const coordination = kc.makeApiClient(CoordinationV1Api);
    const spec = {
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: new V1MicroTime(),
      renewTime: new V1MicroTime(),
      leaseTransitions: 0,
    };
    const lease: V1Lease = await coordination.createNamespacedLease({
      namespace: 'default',
      body: { metadata: { name: 'leader' }, spec },
    });
    const renewed = await coordination.replaceNamespacedLease({
      name: 'leader',
      namespace: 'default',
      body: { metadata: lease.metadata, spec: { ...spec, renewTime: new V1MicroTime() } },
    });
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(
      Number(lease.metadata?.resourceVersion),
    );
    const stale = await failure(
      coordination.replaceNamespacedLease({
        name: 'leader',
        namespace: 'default',
        body: { metadata: lease.metadata, spec: { ...spec, holderIdentity: 'b' } },
      }),
    );
    expect(stale).toMatchObject({ code: 409, reason: 'Conflict' });
    const invalid = await failure(
      coordination.createNamespacedLease({
        namespace: 'default',
        body: { metadata: { name: 'bad' }, spec: { leaseDurationSeconds: 0 } },
      }),
    );
    expect(invalid).toMatchObject({
      code: 422,
      message:
        'Lease.coordination.k8s.io "bad" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    });
  });

  it('answers a wrong token with 401 and a narrow token with 403 when authentication is on', async () => {
    const secured = new KubeSim({
      tokens: [{ token: 'reader', user: 'ci', verbs: ['get', 'list', 'watch'] }],
    });
    await secured.listen({ host: '127.0.0.1', port: 0 });
    try {
      const client = new KubeConfig();
      client.loadFromString(secured.kubeconfig());
      const core = client.makeApiClient(CoreV1Api);
      expect((await core.listNamespacedSecret({ namespace: 'default' })).items).toEqual([]);
      // Authorization runs before the body is read, so a create is refused without a name.
      const denied = await failure(
        core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's' } } }),
      );
      expect(denied).toMatchObject({
        code: 403,
        reason: 'Forbidden',
        message:
          'secrets is forbidden: User "ci" cannot create resource "secrets" in API group "" in the namespace "default"',
      });
      const anonymous = new KubeConfig();
      anonymous.loadFromString(secured.kubeconfig({ token: 'wrong' }));
      const unauthorized = await failure(
        anonymous.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'default' }),
      );
      expect(unauthorized).toMatchObject({ code: 401, reason: 'Unauthorized' });
    } finally {
      await secured.close();
    }
  });

  it('injects 429 with Retry-After and counts requests', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    sim.faults.add({ verb: 'list', resource: 'secrets', code: 429, retryAfterSeconds: 3 });
    let caught: unknown;
    try {
      await core.listNamespacedSecret({ namespace: 'default' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ApiException);
    expect((caught as ApiException<string>).code).toBe(429);
    expect((caught as ApiException<string>).headers['retry-after']).toBe('3');
    await core.listNamespacedSecret({ namespace: 'default' });
    expect(sim.counters.count({ verb: 'list', resource: 'secrets' })).toBe(2);
  });
});
