import { PRN_PATH, prn, type Step } from '../step.ts';

/** Watches: from a resourceVersion, from 0, watch-list with its bookmark, too old, timed out. */

const merge = 'application/merge-patch+json';
const only = (name: string): string => `fieldSelector=metadata.name%3D${name}`;

export const watchSteps: Step[] = [
  {
    area: 'watch',
    name: 'create the watched object, remember its resourceVersion',
    run: async (t, state) => {
      const reply = await t.request('POST', PRN_PATH, prn('watched'));
      state.set(
        'watched',
        (reply.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion,
      );
      return reply;
    },
  },
  {
    area: 'watch',
    name: 'change it twice (one no-op) and delete it',
    run: async (t) => [
      await t.request('PATCH', `${PRN_PATH}/watched`, { metadata: { labels: { w: '1' } } }, merge),
      await t.request('PATCH', `${PRN_PATH}/watched`, { metadata: { labels: { w: '1' } } }, merge),
      await t.request('PATCH', `${PRN_PATH}/watched`, { spec: { depth: 9 } }, merge),
      await t.request('DELETE', `${PRN_PATH}/watched`),
    ],
  },
  {
    area: 'watch',
    name: 'watch from the remembered resourceVersion replays the changes',
    run: (t, state) =>
      t.watch(`${PRN_PATH}?watch=true&resourceVersion=${state.get('watched')}&${only('watched')}`, 4, 3000),
  },
  {
    area: 'watch',
    name: 'watch with resourceVersion=0 starts with ADDED for what exists',
    run: (t) => t.watch(`${PRN_PATH}?watch=true&resourceVersion=0&${only('ssa')}`, 1, 3000),
  },
  {
    area: 'watch',
    name: 'watch-list (sendInitialEvents) ends the initial events with a bookmark',
    run: (t) =>
      t.watch(
        `${PRN_PATH}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&${only('csa')}`,
        2,
        3000,
      ),
  },
  {
    area: 'watch',
    name: 'sendInitialEvents without resourceVersionMatch',
    run: (t) => t.watch(`${PRN_PATH}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true`, 1, 3000),
  },
  {
    area: 'watch',
    name: 'watch from a resourceVersion older than the server keeps (410)',
    run: (t) => t.watch(`${PRN_PATH}?watch=true&resourceVersion=1`, 1, 3000),
  },
  {
    area: 'watch',
    name: 'watch with timeoutSeconds=1 ends without events',
    run: (t) => t.watch(`${PRN_PATH}?watch=true&timeoutSeconds=1&${only('nothing')}`, 1, 5000),
  },
];
