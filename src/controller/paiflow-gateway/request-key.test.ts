import { requestKey, type RequestKeyParts } from './request-key.ts';

const base: RequestKeyParts = {
  operation: 'ListPipelineRunNodeStatus',
  endpoint: 'https://paiflow.cn-hangzhou.aliyuncs.com',
  identity: 'credentials:a',
  params: { pipelineRunId: 'flow-1', nodeId: 'node-a', depth: 2, tokenId: 's3cret-token' },
};

test.each([
  {
    name: 'parameter order and undefined parameters do not matter',
    other: {
      ...base,
      params: {
        tokenId: 's3cret-token',
        depth: 2,
        type: undefined,
        nodeId: 'node-a',
        pipelineRunId: 'flow-1',
      },
    },
    same: true,
  },
  {
    name: 'endpoints are compared as origins',
    other: { ...base, endpoint: 'https://PAIFLOW.cn-hangzhou.aliyuncs.com:443' },
    same: true,
  },
  { name: 'another operation', other: { ...base, operation: 'GetPipelineRun' }, same: false },
  {
    name: 'another endpoint',
    other: { ...base, endpoint: 'https://paiflow.cn-beijing.aliyuncs.com' },
    same: false,
  },
  { name: 'another identity', other: { ...base, identity: 'credentials:b' }, same: false },
  { name: 'another depth', other: { ...base, params: { ...base.params, depth: 3 } }, same: false },
  {
    name: 'depth given as a string',
    other: { ...base, params: { ...base.params, depth: '2' } },
    same: false,
  },
  { name: 'another token', other: { ...base, params: { ...base.params, tokenId: 'other' } }, same: false },
  { name: 'no token', other: { ...base, params: { ...base.params, tokenId: undefined } }, same: false },
])('$name', ({ other, same }) => {
  expect(requestKey(other) === requestKey(base)).toBe(same);
});

test('the token appears only as a hash', () => {
  const key = requestKey(base);
  expect(key).not.toContain('s3cret-token');
  expect(key).toMatch(/"tokenId","sha256:[0-9a-f]{64}"/);
});
