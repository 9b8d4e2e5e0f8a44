import { HealthServer, type HealthCheck } from './health-server.ts';

function flag(name: string): HealthCheck & { state: { ok: boolean; message: string } } {
  const state = { ok: false, message: 'informer cache has not synced yet' };
  return {
    name,
    state,
    check: () => (state.ok ? { ok: true } : { ok: false, message: state.message }),
  };
}

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

test('readyz is 500 with a reason until its checks pass, then ok; healthz is independent', async () => {
  const synced = flag('informer-synced');
  server = new HealthServer({
    liveness: [{ name: 'ping', check: () => ({ ok: true }) }],
    readiness: [synced],
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });

  const notReady = await fetch(`${url}/readyz`);
  expect(notReady.status).toBe(500);
  expect(await notReady.text()).toBe(
    '[-]informer-synced failed: informer cache has not synced yet\nreadyz check failed\n',
  );
  expect((await fetch(`${url}/healthz`)).status).toBe(200);

  synced.state.ok = true;
  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.text()).toBe('ok\n');
  expect(await (await fetch(`${url}/readyz?verbose`)).text()).toBe(
    '[+]informer-synced ok\nreadyz check passed\n',
  );
});

test('extra routes, unknown paths and methods', async () => {
  server = new HealthServer({
    routes: {
      '/metrics': (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('up 1\n');
      },
    },
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  expect(await (await fetch(`${url}/metrics`)).text()).toBe('up 1\n');
  expect((await fetch(`${url}/nope`)).status).toBe(404);
  expect((await fetch(`${url}/healthz`, { method: 'POST' })).status).toBe(405);
  expect((await fetch(`${url}/healthz`)).status).toBe(200); // no checks: alive
});
