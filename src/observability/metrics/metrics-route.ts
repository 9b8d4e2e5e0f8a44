import type { Registry } from 'prom-client';
import type { RouteHandler } from '../health-server.ts';

/**
 * The `/metrics` handler for HealthServer's `routes`: the registry in Prometheus' text format
 * (0.0.4). A failing collector answers 500 with the reason rather than a partial exposition.
 */
export function metricsRoute(registry: Registry): RouteHandler {
  return async (req, res) => {
    let body: string;
    try {
      body = await registry.metrics();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      res
        .writeHead(500, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`collecting metrics failed: ${reason}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
