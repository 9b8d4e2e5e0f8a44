import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { apiClient, watchEvents } from './client.ts';
import type { ApiClient, Body, Reply } from './client.ts';
import { pipelineRunNodeCrd, prn } from './helpers.ts';

/**
 * Object semantics a client relies on, each asserted as the real kube-apiserver behaves: optimistic
 * concurrency, the status subresource, generation, defaulting and pruning, deletion with
 * finalizers, namespaces, watch resourceVersions, pagination, server-side apply of status.
 */

const prns = '/apis/paiflow.dev/v1alpha1/namespaces/default/pipelinerunnodes';

/** A CRD without a status subresource (status is then ordinary content). */
const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.test.dev' },
  spec: {
    group: 'test.dev',
    scope: 'Cluster',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

describe('kube-sim object semantics', () => {
  let sim: KubeSim;
  let api: ApiClient;

  beforeEach(async () => {
    sim = new KubeSim({ bookmarkIntervalMs: 50 });
    sim.create(pipelineRunNodeCrd());
    sim.create(widgetCrd);
    api = apiClient(await sim.listen({ host: '127.0.0.1', port: 0 }));
  });

  afterEach(async () => {
    await sim.close();
  });

  const create = async (name: string, spec: Record<string, unknown> = {}): Promise<Body> => {
    const reply = await api('POST', prns, prn(name, spec));
    expect(reply.status).toBe(201);
    return reply.body;
  };

  describe('optimistic concurrency', () => {
    it('rejects a stale resourceVersion with 409 Conflict and accepts the current one', async () => {
      const obj = await create('occ');
      const first = await api('PUT', `${prns}/occ`, { ...obj, spec: { ...obj.spec, depth: 3 } });
      expect(first.status).toBe(200);
      expect(Number(first.body.metadata.resourceVersion)).toBeGreaterThan(
        Number(obj.metadata.resourceVersion),
      );
      const stale = await api('PUT', `${prns}/occ`, { ...obj, spec: { ...obj.spec, depth: 4 } });
      expect(stale.status).toBe(409);
      expect(stale.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message:
          'Operation cannot be fulfilled on pipelinerunnodes.paiflow.dev "occ": the object has been modified; please apply your changes to the latest version and try again',
        reason: 'Conflict',
        details: { name: 'occ', group: 'paiflow.dev', kind: 'pipelinerunnodes' },
        code: 409,
      });
    });

    it('requires a resourceVersion to replace a custom resource but not a Secret', async () => {
      const obj = await create('norv');
      Reflect.deleteProperty(obj.metadata, 'resourceVersion');
      const cr = await api('PUT', `${prns}/norv`, obj);
      expect(cr.status).toBe(422);
      expect(cr.body.message).toBe(
        'pipelinerunnodes.paiflow.dev "norv" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update',
      );
      const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'b' } };
      expect((await api('POST', '/api/v1/namespaces/default/secrets', secret)).status).toBe(201);
      const replaced = await api('PUT', '/api/v1/namespaces/default/secrets/s', {
        ...secret,
        stringData: { a: 'c' },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.data).toEqual({ a: Buffer.from('c').toString('base64') });
      expect(replaced.body.stringData).toBeUndefined();
    });

    it('applies a patch carrying a stale resourceVersion only if it is current', async () => {
      const obj = await create('prv');
      await api(
        'PATCH',
        `${prns}/prv`,
        { metadata: { labels: { a: 'b' } } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      const stale = await api(
        'PATCH',
        `${prns}/prv`,
        { metadata: { resourceVersion: obj.metadata.resourceVersion }, spec: { depth: 5 } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      expect(stale.status).toBe(409);
    });
  });

  describe('status subresource', () => {
    it('ignores status on the main resource and everything but status on /status', async () => {
      const obj = await create('iso');
      const main = await api('PUT', `${prns}/iso`, {
        ...obj,
        spec: { ...obj.spec, depth: 3 },
        status: { phase: 'Hacked' },
      });
      expect(main.status).toBe(200);
      expect(main.body.status).toBeUndefined();
      expect(main.body.spec.depth).toBe(3);
      const status = await api('PUT', `${prns}/iso/status`, {
        ...main.body,
        metadata: { ...main.body.metadata, labels: { sneaky: 'yes' } },
        spec: { ...main.body.spec, depth: 9 },
        status: { phase: 'Running' },
      });
      expect(status.status).toBe(200);
      expect(status.body.status).toEqual({ phase: 'Running' });
      expect(status.body.spec.depth).toBe(3);
      expect(status.body.metadata.labels).toBeUndefined();
      expect(status.body.metadata.generation).toBe(2);
      const merged = await api(
        'PATCH',
        `${prns}/iso/status`,
        { spec: { depth: 7 }, status: { nodeId: 'n1' } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      expect(merged.body.spec.depth).toBe(3);
      expect(merged.body.status).toEqual({ phase: 'Running', nodeId: 'n1' });
      expect(sim.counters.count({ resource: 'pipelinerunnodes', subresource: 'status' })).toBe(2);
      expect(sim.counters.count({ verb: 'patch', resource: 'pipelinerunnodes', subresource: 'status' })).toBe(
        1,
      );
    });

    it('drops status sent on create when the CRD has a status subresource', async () => {
      const reply = await api('POST', prns, { ...prn('cst'), status: { phase: 'Running' } });
      expect(reply.body.status).toBeUndefined();
    });
  });

  describe('generation', () => {
    const table: Array<{ name: string; change: (o: Body) => Body; path: string; want: number }> = [
      {
        name: 'spec change bumps it',
        change: (o) => ({ ...o, spec: { ...o.spec, depth: 5 } }),
        path: '',
        want: 2,
      },
      {
        name: 'label change does not',
        change: (o) => ({ ...o, metadata: { ...o.metadata, labels: { x: 'y' } } }),
        path: '',
        want: 1,
      },
      {
        name: 'status change does not',
        change: (o) => ({ ...o, status: { phase: 'Running' } }),
        path: '/status',
        want: 1,
      },
    ];
    it.each(table)('$name (status subresource)', async ({ change, path, want }) => {
      const obj = await create('gen');
      const reply = await api('PUT', `${prns}/gen${path}`, change(obj));
      expect(reply.status).toBe(200);
      expect(reply.body.metadata.generation).toBe(want);
    });

    it('counts status changes too when the CRD has no status subresource', async () => {
      const created = await api('POST', '/apis/test.dev/v1/widgets', {
        apiVersion: 'test.dev/v1',
        kind: 'Widget',
        metadata: { name: 'w' },
        spec: { a: 1 },
      });
      expect(created.body.metadata.generation).toBe(1);
      const status = await api(
        'PATCH',
        '/apis/test.dev/v1/widgets/w',
        { status: { phase: 'x' } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      expect(status.body.metadata.generation).toBe(2);
      // No handler serves the subresource: the real server's mux answers with a plain-text 404.
      const missing = await fetch(`${sim.url}/apis/test.dev/v1/widgets/w/status`);
      expect([missing.status, await missing.text()]).toEqual([404, '404 page not found\n']);
    });

    it('skips writes that change nothing: same resourceVersion, no watch event', async () => {
      const obj = await create('noop');
      const events = watchEvents(
        `${sim.url}${prns}?watch=true&resourceVersion=${obj.metadata.resourceVersion}&timeoutSeconds=1`,
        1,
      );
      const same = await api('PUT', `${prns}/noop`, obj);
      expect(same.body.metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
      const merge = await api(
        'PATCH',
        `${prns}/noop`,
        { spec: { depth: 2 } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      expect(merge.body.metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
      expect(await events).toEqual([]);
    });
  });

  describe('defaulting and pruning', () => {
    it('defaults, prunes unknown fields with a warning, and rejects them under Strict', async () => {
      const reply = await api('POST', prns, {
        ...prn('def'),
        spec: { pipelineRunId: 'flow-abc123', bogus: true },
        extra: 1,
        metadata: { name: 'def', madeUp: 1 },
      });
      expect(reply.status).toBe(201);
      expect(reply.body.spec).toEqual({ pipelineRunId: 'flow-abc123', depth: 2, type: 'Logical' });
      expect(reply.body.extra).toBeUndefined();
      expect(reply.body.metadata.madeUp).toBeUndefined();
      expect(reply.headers.get('warning')).toBe(
        '299 - "unknown field \\"extra\\"", 299 - "unknown field \\"metadata.madeUp\\"", 299 - "unknown field \\"spec.bogus\\""',
      );
      const strict = await api('POST', `${prns}?fieldValidation=Strict`, {
        ...prn('strict'),
        spec: { pipelineRunId: 'flow-abc123', bogus: true },
      });
      expect(strict.status).toBe(400);
      expect(strict.body.message).toBe(
        'PipelineRunNode in version "v1alpha1" cannot be handled as a PipelineRunNode: strict decoding error: unknown field "spec.bogus"',
      );
    });

    it('returns 422 with one cause per invalid field', async () => {
      const reply = await api('POST', prns, prn('inv', { depth: 0, type: 'Other' }));
      expect(reply.status).toBe(422);
      expect(reply.body.reason).toBe('Invalid');
      expect(reply.body.details.causes.slice(0, 2)).toEqual([
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 0: spec.depth in body should be greater than or equal to 1',
          field: 'spec.depth',
        },
        {
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "Other": supported values: "Logical", "Physical"',
          field: 'spec.type',
        },
      ]);
    });
  });

  describe('deletion', () => {
    it('marks an object with finalizers, bumps generation, and removes it when they are gone', async () => {
      const obj = await create('fin');
      await api(
        'PATCH',
        `${prns}/fin`,
        { metadata: { finalizers: ['paiflow.dev/cleanup'] } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      const deleting = await api('DELETE', `${prns}/fin`);
      expect(deleting.status).toBe(200);
      expect(deleting.body.metadata.deletionTimestamp).toEqual(expect.any(String));
      expect(deleting.body.metadata.generation).toBe(obj.metadata.generation + 1);
      const adding = await api(
        'PATCH',
        `${prns}/fin`,
        { metadata: { finalizers: ['paiflow.dev/cleanup', 'x.dev/more'] } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      expect(adding.status).toBe(422);
      const removed = await api(
        'PATCH',
        `${prns}/fin`,
        { metadata: { finalizers: null } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      expect(removed.status).toBe(200);
      expect((await api('GET', `${prns}/fin`)).status).toBe(404);
    });

    it('answers a delete with a Success Status naming the object', async () => {
      const obj = await create('del');
      const reply = await api('DELETE', `${prns}/del`);
      expect(reply.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: 'del', group: 'paiflow.dev', kind: 'pipelinerunnodes', uid: obj.metadata.uid },
      });
    });

    it('terminates a namespace: no new content, purged once its objects are gone', async () => {
      expect(
        (
          await api('POST', '/api/v1/namespaces/nope/secrets', {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 's' },
          })
        ).body.message,
      ).toBe('namespaces "nope" not found');
      await api('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'team' },
      });
      await api('POST', '/apis/paiflow.dev/v1alpha1/namespaces/team/pipelinerunnodes', {
        ...prn('held'),
        metadata: { name: 'held', finalizers: ['paiflow.dev/cleanup'] },
      });
      const ns = await api('DELETE', '/api/v1/namespaces/team');
      expect(ns.body.status?.phase).toBe('Terminating');
      const refused = await api('POST', '/api/v1/namespaces/team/secrets', {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's' },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toBe(
        'secrets "s" is forbidden: unable to create new content in namespace team because it is being terminated',
      );
      expect((await api('GET', '/api/v1/namespaces/team')).status).toBe(200);
      await api(
        'PATCH',
        '/apis/paiflow.dev/v1alpha1/namespaces/team/pipelinerunnodes/held',
        { metadata: { finalizers: null } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      expect((await api('GET', '/api/v1/namespaces/team')).status).toBe(404);
    });
  });

  describe('watch', () => {
    it('replays from a resourceVersion, filters by label with ADDED/DELETED transitions', async () => {
      const a = await create('wa');
      const start = a.metadata.resourceVersion;
      const events = watchEvents(
        `${sim.url}${prns}?watch=true&resourceVersion=${start}&labelSelector=app%3Ddemo`,
        3,
      );
      await api(
        'PATCH',
        `${prns}/wa`,
        { metadata: { labels: { app: 'demo' } } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      await api(
        'PATCH',
        `${prns}/wa`,
        { spec: { depth: 4 } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      await api(
        'PATCH',
        `${prns}/wa`,
        { metadata: { labels: { app: 'other' } } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      expect((await events).map((e) => `${e.type}:${e.object.metadata.resourceVersion}`)).toEqual([
        `ADDED:${Number(start) + 1}`,
        `MODIFIED:${Number(start) + 2}`,
        `DELETED:${Number(start) + 3}`,
      ]);
    });

    it('starts with the current state when no resourceVersion is given', async () => {
      await create('ws1');
      await create('ws2');
      const events = await watchEvents(`${sim.url}${prns}?watch=true`, 2);
      expect(events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:ws1', 'ADDED:ws2']);
    });

    it('sends a 410 ERROR event for a compacted resourceVersion', async () => {
      const a = await create('old');
      await api(
        'PATCH',
        `${prns}/old`,
        { spec: { depth: 4 } },
        { 'Content-Type': 'application/merge-patch+json' },
      );
      sim.compact();
      const [event] = await watchEvents(
        `${sim.url}${prns}?watch=true&resourceVersion=${a.metadata.resourceVersion}`,
        1,
      );
      expect(event).toEqual({
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${a.metadata.resourceVersion} (${sim.resourceVersion})`,
          reason: 'Expired',
          code: 410,
        },
      });
    });

    it('sends bookmarks when allowed, with sendInitialEvents ending in an annotated one', async () => {
      await create('bm');
      const events = await watchEvents(
        `${sim.url}${prns}?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`,
        3,
      );
      expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK', 'BOOKMARK']);
      expect(events[1]?.object.metadata).toEqual({
        resourceVersion: sim.resourceVersion,
        annotations: { 'k8s.io/initial-events-end': 'true' },
      });
      expect(events[2]?.object.kind).toBe('PipelineRunNode');
    });

    it('ends a watch after timeoutSeconds', async () => {
      const events = await watchEvents(
        `${sim.url}${prns}?watch=true&resourceVersion=${sim.resourceVersion}&timeoutSeconds=1`,
        1,
      );
      expect(events).toEqual([]);
    });
  });

  describe('list', () => {
    it('pages with limit and continue from one snapshot, 410 once compacted', async () => {
      for (const name of ['p1', 'p2', 'p3']) await create(name);
      const first = await api('GET', `${prns}?limit=2`);
      expect(first.body.items.map((o) => o.metadata.name)).toEqual(['p1', 'p2']);
      expect(first.body.metadata.remainingItemCount).toBe(1);
      await api('DELETE', `${prns}/p3`);
      await create('p4');
      const second = await api(
        'GET',
        `${prns}?limit=2&continue=${encodeURIComponent(first.body.metadata.continue ?? '')}`,
      );
      expect(second.body.items.map((o) => o.metadata.name)).toEqual(['p3']);
      expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
      sim.compact();
      const expired = await api(
        'GET',
        `${prns}?limit=2&continue=${encodeURIComponent(first.body.metadata.continue ?? '')}`,
      );
      expect(expired.status).toBe(410);
      expect(expired.body.reason).toBe('Expired');
    });

    it('selects by label and by metadata.name, and refuses unknown field labels', async () => {
      await api('POST', prns, { ...prn('l1'), metadata: { name: 'l1', labels: { tier: 'a' } } });
      await api('POST', prns, { ...prn('l2'), metadata: { name: 'l2', labels: { tier: 'b' } } });
      const names = (r: Reply): string[] => r.body.items.map((o) => o.metadata.name);
      expect(names(await api('GET', `${prns}?labelSelector=tier%20in%20(a)`))).toEqual(['l1']);
      expect(names(await api('GET', `${prns}?labelSelector=tier!%3Da`))).toEqual(['l2']);
      expect(names(await api('GET', `${prns}?fieldSelector=metadata.name%3Dl2`))).toEqual(['l2']);
      const bad = await api('GET', `${prns}?fieldSelector=spec.depth%3D2`);
      expect(bad.status).toBe(400);
    });
  });

  describe('server-side apply of status', () => {
    it('owns exactly the applied conditions, removes dropped ones, and writes nothing when unchanged', async () => {
      await create('ssa');
      const apply = (conditions: unknown[]) =>
        api(
          'PATCH',
          `${prns}/ssa/status?fieldManager=paiflow-controller&force=true`,
          {
            apiVersion: 'paiflow.dev/v1alpha1',
            kind: 'PipelineRunNode',
            metadata: { name: 'ssa' },
            status: { phase: 'Running', conditions },
          },
          { 'Content-Type': 'application/apply-patch+yaml' },
        );
      const ready = {
        type: 'Ready',
        status: 'Unknown',
        reason: 'Running',
        message: '',
        lastTransitionTime: '2025-01-01T00:00:00Z',
      };
      const synced = {
        type: 'Synced',
        status: 'True',
        reason: 'Polled',
        message: '',
        lastTransitionTime: '2025-01-01T00:00:00Z',
      };
      const first = await apply([ready, synced]);
      expect(first.status).toBe(200);
      expect(first.body.status?.conditions).toHaveLength(2);
      const entry = first.body.metadata.managedFields.find((m) => m.manager === 'paiflow-controller');
      expect(entry).toMatchObject({ operation: 'Apply', subresource: 'status' });
      expect(Object.keys(entry?.fieldsV1['f:status']?.['f:conditions'] ?? {})).toEqual([
        'k:{"type":"Ready"}',
        'k:{"type":"Synced"}',
      ]);
      const second = await apply([ready]);
      expect(second.body.status?.conditions).toEqual([ready]);
      const same = await apply([ready]);
      expect(same.body.metadata.resourceVersion).toBe(second.body.metadata.resourceVersion);
      expect(same.body.metadata.generation).toBe(1);
    });
  });
});
