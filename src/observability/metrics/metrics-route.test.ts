import { HealthServer } from '../health-server.ts';
import { newMetrics, resource } from './exposition.test-helper.ts';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(route: ConstructorParameters<typeof HealthServer>[0]): Promise<string> {
  server = new HealthServer(route);
  return server.listen({ host: '127.0.0.1', port: 0 });
}

describe('/metrics on the probe server', () => {
  test('GET answers the whole exposition in the Prometheus text format; HEAD the headers only', async () => {
    const { metrics, cache } = newMetrics();
    cache.objects = [resource('ml', 'a', { phase: 'Running' })];
    const url = await serve({ routes: { '/metrics': metrics.route } });

    const got = await fetch(`${url}/metrics`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const body = await got.text();
    expect(body).toContain(
      'controller_runtime_reconcile_total{controller="pipelinerunnode",result="success"} 0\n',
    );
    expect(body).toContain('paiflow_resources{namespace="ml",phase="Running"} 1\n');
    expect(body).toContain('\nprocess_cpu_seconds_total ');

    const head = await fetch(`${url}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  test('a failing collector answers 500 with the reason, not a partial exposition', async () => {
    const { metrics } = newMetrics({
      resources: () => {
        throw new Error('cache unavailable');
      },
    });
    const url = await serve({ routes: { '/metrics': metrics.route } });
    const got = await fetch(`${url}/metrics`);
    expect(got.status).toBe(500);
    expect(await got.text()).toBe('collecting metrics failed: cache unavailable\n');
  });
});
