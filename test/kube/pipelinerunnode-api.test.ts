import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { KubeConfig } from '@kubernetes/client-node';
import type { PipelineRunNode } from '../../src/api/v1alpha1.ts';
import { PipelineRunNodeApi } from '../../src/kube/pipelinerunnode-api.ts';
import { KubeSim } from '../../src/sandbox/kube-sim/kube-sim.ts';
import { prn } from '../kube-sim/helpers.ts';
import { readCrd } from '../support/environment.ts';

let kubeSim: KubeSim;
let api: PipelineRunNodeApi;
let names: string[];

beforeAll(async () => {
  kubeSim = new KubeSim();
  kubeSim.create(readCrd());
  await kubeSim.listen({ host: '127.0.0.1', port: 0 });
  names = ['a', 'b', 'c', 'd', 'e'];
  for (const name of names) kubeSim.create(prn(name));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeSim.kubeconfig());
  api = new PipelineRunNodeApi({ kubeConfig });
});

afterAll(async () => {
  await kubeSim.close();
});

it('lists page by page, keeping what keep returns of each item as its page arrives', async () => {
  const pages: number[] = [];
  let listsBefore = kubeSim.counters.count({ verb: 'list' });
  const list = await api.list({
    namespace: 'default',
    pageSize: 2,
    keep: (item) => {
      const lists = kubeSim.counters.count({ verb: 'list' });
      if (lists !== listsBefore) pages.push(0);
      listsBefore = lists;
      pages[pages.length - 1] = (pages.at(-1) ?? 0) + 1;
      return { metadata: { name: item.metadata.name } } as PipelineRunNode;
    },
  });
  expect(list.items).toEqual(names.map((name) => ({ metadata: { name } })));
  // Three pages of at most 2, each mapped before the next was asked for.
  expect(pages).toEqual([2, 2, 1]);
  expect(list.metadata.resourceVersion).toMatch(/^\d+$/);
});
