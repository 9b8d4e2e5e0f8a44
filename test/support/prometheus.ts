import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { debianTool, type Tool } from './tools.ts';

/**
 * A real Prometheus server (the Debian package's binary) for end-to-end tests: a child process on
 * a free loopback port, with its configuration, rule file and TSDB in a temporary directory, and
 * typed helpers over its HTTP API.
 */

/** `prometheus` on PATH, or how to install it (CI does in .ci/run). */
export function prometheusTool(): Tool {
  return debianTool('prometheus', '--version', 'prometheus');
}

export interface PrometheusServerOptions {
  /** `scrape_configs` entries, as in prometheus.yml. */
  scrapeConfigs: Record<string, unknown>[];
  /** A plain rule file (`{ groups: [...] }`, e.g. a PrometheusRule's `.spec`); none if undefined. */
  rules?: unknown;
  /** `global.scrape_interval`; default `1s`. */
  scrapeInterval?: string;
  /** `global.evaluation_interval`; default `1s`. */
  evaluationInterval?: string;
  /** How long `start()` waits for `/-/ready`; default 20 s. */
  readyTimeoutMs?: number;
}

/** One sample of an instant vector: the series' labels and its value. */
export interface InstantSample {
  metric: Record<string, string>;
  value: number;
}

/** An alert as `/api/v1/alerts` lists it (pending or firing). */
export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

/** A rule as `/api/v1/rules` lists it. */
export interface RuleStatus {
  name: string;
  type: 'alerting' | 'recording';
  health: string;
  state?: 'inactive' | 'pending' | 'firing';
  lastError?: string;
}

export interface RuleGroupStatus {
  name: string;
  file: string;
  rules: RuleStatus[];
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

// Enough of Prometheus's log to explain a failed start, not the whole run.
const LOG_TAIL_CHARS = 8000;

/**
 * Lifecycle: the constructor starts nothing; `start()` writes the configuration, spawns Prometheus
 * and resolves with its URL once `/-/ready` answers (rejects with its log if it exits or times out
 * first, having stopped it); `stop()` ends the process and removes the directory. The caller must
 * call `stop()` (in `afterAll`), also when `start()` failed.
 */
export class PrometheusServer {
  readonly #options: PrometheusServerOptions;
  #dir: string | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  #url: string | undefined;
  #running = false;
  #log = '';

  constructor(options: PrometheusServerOptions) {
    this.#options = options;
  }

  /** `http://127.0.0.1:PORT`, once started. */
  get url(): string {
    if (this.#url === undefined) throw new Error('Prometheus is not started');
    return this.#url;
  }

  /** The end of Prometheus's log (stderr), for assertion messages. */
  get log(): string {
    return this.#log;
  }

  async start(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'paiflow-prometheus-'));
    this.#dir = dir;
    const ruleFiles = this.#options.rules === undefined ? [] : ['rules.yaml'];
    if (this.#options.rules !== undefined) {
      await writeFile(join(dir, 'rules.yaml'), stringify(this.#options.rules));
    }
    await writeFile(
      join(dir, 'prometheus.yml'),
      stringify({
        global: {
          scrape_interval: this.#options.scrapeInterval ?? '1s',
          evaluation_interval: this.#options.evaluationInterval ?? '1s',
        },
        rule_files: ruleFiles,
        scrape_configs: this.#options.scrapeConfigs,
      }),
    );
    // Free when picked; were it taken before Prometheus binds it, Prometheus exits and start() says why.
    const address = `127.0.0.1:${await freePort()}`;
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=${address}`,
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.#child = child;
    this.#running = true;
    this.#exited = new Promise((resolve) => {
      const gone = (): void => {
        this.#running = false;
        resolve();
      };
      child.once('exit', (code, signal) => {
        this.#appendLog(`(prometheus exited: ${code ?? signal})\n`);
        gone();
      });
      // Not started at all (e.g. ENOENT): no 'exit' follows.
      child.once('error', (error) => {
        this.#appendLog(`(prometheus: ${error.message})\n`);
        gone();
      });
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => this.#appendLog(chunk));
    const url = `http://${address}`;
    const timeoutMs = this.#options.readyTimeoutMs ?? 20_000;
    const ready = await eventually(
      async () => {
        if (!this.#running) return 'exited';
        const response = await fetch(`${url}/-/ready`).catch(() => undefined);
        await response?.text();
        return response?.ok === true ? 'ready' : undefined;
      },
      'Prometheus /-/ready',
      timeoutMs,
    ).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    if (ready !== 'ready') {
      await this.stop();
      throw new Error(`Prometheus did not become ready (${ready}); its log:\n${this.#log}`);
    }
    this.#url = url;
    return url;
  }

  /** SIGTERM, then SIGKILL if Prometheus has not exited within 5 s; removes the directory. Idempotent. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child !== undefined && this.#exited !== undefined) {
      if (this.#running) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await this.#exited;
        clearTimeout(killer);
      }
      child.stderr?.destroy();
    }
    this.#child = undefined;
    this.#url = undefined;
    if (this.#dir !== undefined) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }

  /** `/api/v1/query` for an instant vector: its samples sorted by their labels. */
  async query(expr: string): Promise<InstantSample[]> {
    const data = await this.#get<{
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    }>(`/api/v1/query?${new URLSearchParams({ query: expr }).toString()}`);
    if (data.resultType !== 'vector') throw new Error(`${expr}: expected a vector, got a ${data.resultType}`);
    return data.result
      .map((r) => ({ metric: r.metric, value: Number(r.value[1]) }))
      .sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)));
  }

  /** `/api/v1/alerts`: the pending and firing alerts. */
  async alerts(): Promise<ActiveAlert[]> {
    return (await this.#get<{ alerts: ActiveAlert[] }>('/api/v1/alerts')).alerts;
  }

  /** `/api/v1/rules`: the loaded rule groups with each rule's health and state. */
  async rules(): Promise<RuleGroupStatus[]> {
    return (await this.#get<{ groups: RuleGroupStatus[] }>('/api/v1/rules')).groups;
  }

  #appendLog(text: string): void {
    this.#log = (this.#log + text).slice(-LOG_TAIL_CHARS);
  }

  async #get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.url}${path}`);
    const body = (await response.json()) as ApiResponse<T>;
    if (body.status !== 'success' || body.data === undefined) {
      throw new Error(`GET ${path}: ${response.status} ${body.errorType ?? ''} ${body.error ?? ''}`);
    }
    return body.data;
  }
}

/**
 * Calls `check` until it resolves to something other than undefined, and resolves with that; after
 * `timeoutMs` rejects naming `what` and the last error `check` threw, if any.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A loopback TCP port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error(`unexpected server address ${String(address)}`));
      });
    });
  });
}
