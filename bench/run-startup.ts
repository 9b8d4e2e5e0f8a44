/**
 * What starting `paiflow-controller run` costs: wall time from spawning the process to its
 * "cache synced" log line, its resident memory at that moment, and the modules it loaded by then.
 *
 * Usage: `node bench/run-startup.ts [--entry FILE]... [--runs N] [--json]`
 *   --entry   the CLI entry point to start (default src/cli/main.ts; dist/cli/bin.js after a build);
 *             repeat it to compare builds: their runs are interleaved, so load on the machine
 *             affects them alike
 *   --runs    how many fresh processes to measure per entry (default 7); medians are printed
 *
 * Besides wall time it reports the CPU time the process used until then (user + system, from
 * /proc), which another process's load on the machine disturbs much less.
 *
 * kube-sim (with deploy/crd.yaml and no resources) runs in this process on 127.0.0.1; the
 * controller is a child process started with the same Node as this script, with
 * bench/count-modules.ts preloaded to count modules. Every wait is bounded; exit 1 on error.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { KubeSim } from '../src/sandbox/kube-sim/kube-sim.ts';

interface Sample {
  msToSynced: number;
  cpuMs: number;
  rssMiB: number;
  modules: { total: number; own: number; urls: string[] };
}

const SYNCED = 'cache synced';
const TIMEOUT_MS = 30_000;

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

async function measure(entry: string, kubeconfig: string, dir: string, index: number): Promise<Sample> {
  const countFile = join(dir, `modules-${index}.json`);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      fileURLToPath(new URL('count-modules.ts', import.meta.url)),
      entry,
      'run',
      '--kubeconfig',
      kubeconfig,
      '--probe-address',
      '127.0.0.1:0',
      '--metrics-address',
      '127.0.0.1:0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BENCH_MODULE_COUNT_FILE: countFile } },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const synced = await new Promise<{ ms: number; rss: number; cpu: number }>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${SYNCED}" line within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    child.stderr.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(SYNCED)) {
        clearTimeout(timer);
        const pid = child.pid ?? 0;
        resolve({ ms: performance.now() - started, rss: rssMiB(pid), cpu: cpuMs(pid) });
      }
    });
    void exited.then((code) => reject(new Error(`run exited (${String(code)}) before syncing:\n${seen}`)));
  });
  child.kill('SIGTERM');
  const code = await exited;
  if (code !== 0) throw new Error(`run exited ${String(code)} on SIGTERM`);
  const modules = JSON.parse(readFileSync(countFile, 'utf8')) as Sample['modules'];
  return { msToSynced: synced.ms, cpuMs: synced.cpu, rssMiB: synced.rss, modules };
}

/** User + system CPU time of a process so far, in ms (/proc/<pid>/stat fields 14 and 15, in ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entry: { type: 'string', multiple: true, default: ['src/cli/main.ts'] },
      runs: { type: 'string', default: '7' },
      json: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`expected --runs N >= 1, got ${values.runs}`);
  const kube = new KubeSim({});
  const crd = parseAllDocuments(readFileSync(new URL('../deploy/crd.yaml', import.meta.url), 'utf8'))[0];
  if (crd === undefined) throw new Error('deploy/crd.yaml holds no document');
  kube.create(crd.toJS() as Record<string, unknown>);
  await kube.listen({ host: '127.0.0.1', port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'run-startup-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kube.kubeconfig());
    const entries = values.entry;
    const samples = new Map<string, Sample[]>(entries.map((entry) => [entry, []]));
    for (let i = 0; i < runs; i++) {
      for (const [index, entry] of entries.entries()) {
        samples.get(entry)?.push(await measure(entry, kubeconfig, dir, i * entries.length + index));
      }
    }
    for (const [entry, list] of samples) {
      const last = list.at(-1);
      process.stdout.write(
        `run startup (${entry}, Node ${process.version}, median of ${runs}):\n` +
          `  spawn to "cache synced": ${median(list.map((s) => s.msToSynced)).toFixed(0)} ms wall, ` +
          `${median(list.map((s) => s.cpuMs)).toFixed(0)} ms CPU\n` +
          `  RSS at "cache synced":   ${median(list.map((s) => s.rssMiB)).toFixed(1)} MiB\n` +
          `  modules loaded:          ${String(last?.modules.total)} (${String(last?.modules.own)} of the project's own)\n`,
      );
    }
    if (values.json) process.stdout.write(`${JSON.stringify(Object.fromEntries(samples), undefined, 1)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await kube.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`run-startup: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
