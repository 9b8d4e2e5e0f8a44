import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { collect, exitCode, firstLine, startCli, type Child } from './child-process.test-helper.ts';
import { signedRequest } from '../../sandbox/paiflow-sim/signed-request.test-helper.ts';

const key = { accessKeyId: 'LTAI-cli', accessKeySecret: 'cli-secret' };

function start(args: string[], env: Record<string, string> = {}): Child {
  return startCli(['paiflow-sim', ...args], env);
}

test('prints the endpoint, serves signed requests, exits 0 on SIGTERM', async () => {
  const child = start([
    '--listen',
    '127.0.0.1:0',
    '--access-key',
    `${key.accessKeyId}:${key.accessKeySecret}`,
    '--scenario',
    'deploy/samples/paiflow-scenario.yaml',
    '--manual-clock',
  ]);
  const stderr = collect(child.stderr);
  try {
    const endpoint = await firstLine(child.stdout);
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await signedRequest(endpoint, key, {
      action: 'ListPipelineRunNodeStatus',
      path: ['api', 'v1', 'pipelineruns', 'flow-succeeds0001', 'nodes', 'node-ingest0001', 'status'],
    });
    expect(res.status).toBe(200);
    expect(res.json?.Status).toEqual([
      expect.objectContaining({ NodeId: 'node-ingest0001', Status: 'ReadyToSchedule' }),
    ]);
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exitCode(child)).toBe(0);
  const logs = stderr()
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { msg: string });
  expect(logs.map((l) => l.msg)).toEqual(
    expect.arrayContaining(['paiflow-sim listening', 'paiflow-sim: request', 'paiflow-sim stopping']),
  );
});

test.each<{ name: string; args: string[]; env: Record<string, string>; flag: string }>([
  {
    name: 'bad port',
    args: ['--listen', '127.0.0.1:99999'],
    env: {},
    flag: "--listen <host:port>' argument '127.0.0.1:99999'",
  },
  {
    name: 'bad status',
    args: ['--throttle-status', '503'],
    env: {},
    flag: "--throttle-status <code>' argument '503'",
  },
  { name: 'bad key', args: ['--access-key', 'only-an-id'], env: {}, flag: '--access-key' },
  {
    name: 'bad env value',
    args: [],
    env: { PAIFLOW_SIM_SPEED: 'fast' },
    flag: "--speed <n>' value 'fast' from env 'PAIFLOW_SIM_SPEED'",
  },
  {
    name: 'bad scenario',
    args: ['--scenario', 'package.json'],
    env: {},
    flag: "--scenario <file>' argument 'package.json'",
  },
])('$name: exits non-zero naming the flag', async ({ args, env, flag }) => {
  const child = start(args, env);
  const stderr = collect(child.stderr);
  expect(await exitCode(child)).not.toBe(0);
  expect(stderr()).toContain(flag);
});

test('a port already in use: exits non-zero naming --listen, no stack trace', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as AddressInfo;
  try {
    const child = start(['--listen', `127.0.0.1:${port}`]);
    const stderr = collect(child.stderr);
    expect(await exitCode(child)).not.toBe(0);
    expect(stderr()).toContain(`'--listen <host:port>': cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    expect(stderr()).not.toContain('    at ');
  } finally {
    blocker.close();
  }
});
