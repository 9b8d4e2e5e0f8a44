import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stringify as toYaml } from 'yaml';
import { handleAdmin } from './admin-routes.ts';
import { ApiHandler } from './api-handler.ts';
import type { TokenGrant } from './auth.ts';
import { authorize } from './auth.ts';
import type { ServerVersion } from './discovery.ts';
import {
  coreVersions,
  groupInfo,
  groupList,
  KUBE_SIM_VERSION,
  resourceList,
  versionDocument,
} from './discovery.ts';
import type { KubeError } from './errors.ts';
import { badRequest, pathNotFound, toKubeError } from './errors.ts';
import { FaultInjector, faultError } from './faults.ts';
import type { FaultTarget } from './faults.ts';
import { kubeconfigYaml } from './kubeconfig.ts';
import { Lifecycle } from './lifecycle.ts';
import { negotiate } from './negotiation.ts';
import type { KubeObject } from './object-meta.ts';
import { stringField } from './object-meta.ts';
import { ObjectWriter } from './object-writer.ts';
import { encodeOpenApiV2 } from './openapi-v2-protobuf.ts';
import { ResourceRegistry } from './registry.ts';
import { RequestCounters } from './request-counters.ts';
import type { RequestInfo } from './request-info.ts';
import { parseRequestInfo } from './request-info.ts';
import { openApiV2, openApiV3ForGroupVersion, openApiV3Index, openApiV3Path } from './schema/openapi.ts';
import { ObjectStore, storeKey } from './store.ts';
import { WatchHub } from './watch-hub.ts';

/** Options of a KubeSim; every one has a default. */
export interface KubeSimOptions {
  /** Changes kept for watches and continue tokens before a resourceVersion is "too old" (default 1000). */
  historyLimit?: number;
  /** Interval of BOOKMARK events to watches that allow them (default 60 000 ms, like the real server's ~1 min). */
  bookmarkIntervalMs?: number;
  /** Timeout of watches that send no `timeoutSeconds` (default 1800 s). */
  watchTimeoutSeconds?: number;
  /** Bearer tokens; when given, every API request needs one (401 without, 403 outside its grant). */
  tokens?: TokenGrant[];
  /** What `/version` reports (default KUBE_SIM_VERSION, the real server the tests run: v1.37.2). */
  version?: ServerVersion;
  /** The clock, in milliseconds since the epoch (default Date.now). */
  now?: () => number;
}

const maxBodyBytes = 3 * 1024 * 1024;
const defaultNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * kube-sim: an in-memory Kubernetes API server for tests and the sandbox. Serves discovery,
 * OpenAPI, Namespaces, Secrets, Events (core and events.k8s.io), Leases, CRDs and the resources
 * CRDs define, with the real server's object semantics. The constructor only builds state (the
 * default namespaces); `listen` starts serving and `close` ends every watch and socket.
 */
export class KubeSim {
  /** Requests served, by verb, group, resource and subresource. */
  readonly counters = new RequestCounters();
  /** Injected failures and latency. */
  readonly faults = new FaultInjector();
  readonly #store: ObjectStore;
  readonly #registry = new ResourceRegistry();
  readonly #writer: ObjectWriter;
  readonly #lifecycle: Lifecycle;
  readonly #watches: WatchHub;
  readonly #api: ApiHandler;
  readonly #options: KubeSimOptions;
  readonly #now: () => number;
  readonly #timers = new Set<NodeJS.Timeout>();
  #server: Server | undefined;
  #url = '';

  constructor(options: KubeSimOptions = {}) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#store = new ObjectStore({ historyLimit: options.historyLimit ?? 1000 });
    this.#writer = new ObjectWriter({ store: this.#store, now: this.#now });
    this.#lifecycle = new Lifecycle({
      store: this.#store,
      registry: this.#registry,
      writer: this.#writer,
      now: this.#now,
    });
    this.#watches = new WatchHub({
      store: this.#store,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    });
    this.#api = new ApiHandler({
      store: this.#store,
      registry: this.#registry,
      writer: this.#writer,
      lifecycle: this.#lifecycle,
      watches: this.#watches,
      now: this.#now,
      defaultWatchTimeoutSeconds: options.watchTimeoutSeconds ?? 1800,
    });
    for (const name of defaultNamespaces)
      this.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  /** The base URL once listening (`http://127.0.0.1:PORT`). */
  get url(): string {
    return this.#url;
  }

  /** How many watches are open now. */
  get watchCount(): number {
    return this.#watches.size;
  }

  /** The latest resourceVersion. */
  get resourceVersion(): string {
    return String(this.#store.revision);
  }

  /** Starts serving plain HTTP; resolves with the base URL. Port 0 picks a free port. */
  async listen(address: { host: string; port: number }): Promise<string> {
    if (this.#server !== undefined) throw new Error('kube-sim is already listening');
    const server = createServer((req, res) => {
      void this.#serve(req, res);
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(address.port, address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    this.#url = `http://${host}:${port}`;
    return this.#url;
  }

  /** Ends every watch, drops every connection and stops listening. */
  async close(): Promise<void> {
    this.#watches.closeAll();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const server = this.#server;
    this.#server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }

  /** A kubeconfig for this server (call after `listen`). */
  kubeconfig(options: { token?: string; namespace?: string } = {}): string {
    const token = options.token ?? this.#options.tokens?.[0]?.token;
    return kubeconfigYaml({
      server: this.#url,
      ...(token === undefined ? {} : { token }),
      ...(options.namespace ? { namespace: options.namespace } : {}),
    });
  }

  /** Ends every open watch normally, as an API server restart or a load balancer would. */
  closeWatches(): void {
    this.#watches.closeAll();
  }

  /** Forgets the change history: watches and continues from older resourceVersions get 410. */
  compact(): void {
    this.#store.compact();
  }

  /** Sends a BOOKMARK now to every watch that allows bookmarks. */
  sendBookmarks(): void {
    this.#watches.sendBookmarks();
  }

  #typeOf(apiVersion: unknown, kind: unknown): ReturnType<ResourceRegistry['all']>[number] {
    const [group, version] =
      typeof apiVersion === 'string' && apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const type = this.#registry
      .all()
      .find((t) => t.group === group && t.version === version && t.kind === kind);
    if (type === undefined)
      throw badRequest(`no kind "${String(kind)}" is registered for version "${String(apiVersion)}"`);
    return type;
  }

  /** Creates an object in-process, as a client would (manager `kube-sim`); returns it as stored. */
  create(obj: KubeObject): KubeObject {
    const type = this.#typeOf(obj.apiVersion, obj.kind);
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    const namespace = type.namespaced ? stringField(meta, 'namespace') || 'default' : '';
    const result = this.#writer.create(type, namespace, obj, {
      manager: 'kube-sim',
      dryRun: false,
      fieldValidation: 'Strict',
      subresource: '',
    });
    this.#lifecycle.settle();
    return result.object;
  }

  /**
   * Deletes an object in-process (namespaced kinds; not Namespaces or CRDs, whose deletion runs
   * their lifecycles): gone at once unless it has finalizers, then marked. Returns it as last stored.
   */
  delete(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): KubeObject {
    const type = this.#typeOf(ref.apiVersion, ref.kind);
    const namespace = type.namespaced ? (ref.namespace ?? 'default') : '';
    const { object } = this.#writer.delete(type, namespace, ref.name, { dryRun: false });
    this.#lifecycle.settle();
    return object;
  }

  /** Reads an object in-process; undefined when it does not exist. */
  get(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): KubeObject | undefined {
    const type = this.#typeOf(ref.apiVersion, ref.kind);
    const stored = this.#store.get(
      type.bucket,
      storeKey(type.namespaced ? (ref.namespace ?? 'default') : '', ref.name),
    );
    return stored === undefined ? undefined : type.toServed(stored);
  }

  /** Lists objects of a kind in-process (one namespace, or all). */
  list(ref: { apiVersion: string; kind: string; namespace?: string }): KubeObject[] {
    const type = this.#typeOf(ref.apiVersion, ref.kind);
    return this.#store
      .list(type.bucket, type.namespaced ? ref.namespace : undefined)
      .map((o) => type.toServed(o));
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://kube-sim');
      if (url.pathname.startsWith('/_sim/')) {
        sendJson(
          res,
          200,
          handleAdmin(this, req.method ?? 'GET', url.pathname, url.searchParams, body.toString('utf8')),
          [],
        );
        return;
      }
      const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
      if (this.#options.tokens !== undefined) {
        authorize(this.#options.tokens, req.headers.authorization, {
          ...info,
          isResourceRequest: info.isResourceRequest,
        });
      }
      if (!info.isResourceRequest) {
        this.#nonResource(req, res, url);
        return;
      }
      await this.#resource(req, res, info, url, body);
    } catch (err) {
      sendError(res, toKubeError(err));
    }
  }

  async #resource(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    url: URL,
    body: Buffer,
  ): Promise<void> {
    this.counters.record({
      verb: info.verb,
      group: info.group,
      resource: info.resource,
      subresource: info.subresource,
    });
    const target: FaultTarget = { ...info, namespace: info.namespace, name: info.name };
    const latency = this.faults.latency(target);
    if (latency > 0) await this.#delay(latency);
    const fault = this.faults.take(target);
    if (fault !== undefined) {
      const error = faultError(fault, target);
      if (info.verb === 'watch' && fault.code === 410) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(`${JSON.stringify({ type: 'ERROR', object: error.status })}\n`);
        return;
      }
      throw error;
    }
    const negotiated = negotiate(req.headers.accept);
    const response = this.#api.handle(
      {
        info,
        query: url.searchParams,
        contentType: req.headers['content-type'] ?? 'application/json',
        userAgent: req.headers['user-agent'] ?? '',
        body,
        negotiated,
      },
      res,
    );
    if (response === undefined) return;
    if (negotiated.mediaType === 'application/yaml') {
      res.writeHead(response.code, {
        'Content-Type': 'application/yaml',
        ...warningHeaders(response.warnings),
      });
      res.end(toYaml(response.body));
      return;
    }
    sendJson(res, response.code, response.body, response.warnings);
  }

  #nonResource(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const parts = path.split('/').filter((p) => p !== '');
    if (['/healthz', '/livez', '/readyz'].includes(path)) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    if (path === '/openapi/v2' && (req.headers.accept ?? '').includes('protobuf')) {
      res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf' });
      res.end(encodeOpenApiV2(openApiV2({ crds: this.#registry.customResourceDefinitions })));
      return;
    }
    const document = this.#nonResourceDocument(path, parts, req);
    if (document === undefined) throw pathNotFound();
    sendJson(res, 200, document, []);
  }

  #nonResourceDocument(path: string, parts: string[], req: IncomingMessage): unknown {
    const version = this.#options.version ?? KUBE_SIM_VERSION;
    if (path === '/version') return versionDocument(version);
    if (path === '/api') return coreVersions(req.headers.host ?? '');
    if (path === '/apis') return groupList(this.#registry);
    if (parts[0] === 'api' && parts.length === 2) return resourceList(this.#registry, '', parts[1] ?? '');
    if (parts[0] === 'apis' && parts.length === 2) return groupInfo(this.#registry, parts[1] ?? '');
    if (parts[0] === 'apis' && parts.length === 3)
      return resourceList(this.#registry, parts[1] ?? '', parts[2] ?? '');
    if (path === '/openapi/v2') return openApiV2({ crds: this.#registry.customResourceDefinitions });
    if (path === '/openapi/v3') return openApiV3Index(this.#openApiGroupVersions());
    if (parts[0] === 'openapi' && parts[1] === 'v3') {
      const wanted = parts.slice(2).join('/');
      return this.#openApiGroupVersions().find((gv) => openApiV3Path(gv.group, gv.version) === wanted)
        ?.document;
    }
    return undefined;
  }

  #openApiGroupVersions(): Array<{ group: string; version: string; document: Record<string, unknown> }> {
    const crds = this.#registry.customResourceDefinitions;
    return this.#registry.groups().flatMap((g) =>
      g.versions.map((version) => ({
        group: g.name,
        version,
        document: openApiV3ForGroupVersion({ group: g.name, version, crds }),
      })),
    );
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyBytes) throw badRequest('request entity too large');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** `Warning` headers as the real server writes them: `299 - "text"` with Go string escaping. */
function warningHeaders(warnings: string[]): Record<string, string[]> {
  return warnings.length === 0 ? {} : { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`) };
}

function sendJson(res: ServerResponse, code: number, body: unknown, warnings: string[]): void {
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    ...warningHeaders(warnings),
  });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: KubeError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (error.plainText !== undefined) {
    res.writeHead(error.code, { 'Content-Type': 'text/plain; charset=utf-8', ...error.headers });
    res.end(error.plainText);
    return;
  }
  res.writeHead(error.code, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    ...error.headers,
  });
  res.end(JSON.stringify(error.status));
}
