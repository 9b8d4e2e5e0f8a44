import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { LevelWithSilent, Logger } from 'pino';
import type { Clock } from '../clock/clock.ts';
import type { ManagerOptions } from '../app/manager.ts';
import type { LeaseTimings } from '../controller/lease/lease-timings.ts';
import type { LogFormat } from '../observability/logger.ts';
import { redactProxyUrl, type CredentialsProvider, type PaiflowNetworkOptions } from '../paiflow/index.ts';
import type { Registry } from 'prom-client';

/**
 * The flags of `paiflow-controller run` as commander parses them (attribute names of the flags;
 * durations in milliseconds), and the pure steps that turn them into the Manager's options.
 */
export interface RunFlags {
  /** A file from --kubeconfig, or the KUBECONFIG variable (possibly several files). */
  kubeconfig?: string;
  namespaces?: string[];
  labelSelector?: string;
  workers: number;
  defaultPollInterval: number;
  minPollInterval: number;
  stalledRetryInterval: number;
  defaultRegion?: string;
  vpcEndpoints: boolean;
  endpointAllowList: string[];
  /** `['*']`: every namespace; `[]`: none. */
  defaultCredentialsNamespaces: string[];
  paiflowQps: number;
  paiflowBurst: number;
  paiflowMaxConcurrent: number;
  /** Unset: half of paiflowMaxConcurrent, rounded up. */
  paiflowMaxConcurrentPerIdentity?: number;
  paiflowTimeout: number;
  paiflowBatchSize: number;
  fullRefreshIntervals: number;
  /** A PEM bundle trusted besides Node's default CAs for PAIFlow (and proxy) TLS. */
  paiflowCaFile?: string;
  reconcileTimeout: number;
  probeAddress: { host: string; port: number };
  metricsAddress: { host: string; port: number };
  metricsSecure: boolean;
  metricsCertFile?: string;
  metricsKeyFile?: string;
  perObjectMetrics: boolean;
  shutdownTimeout: number;
  leaderElect: boolean;
  /** Where the Lease lives; undefined: the pod's namespace (leaderElectionNamespace()). */
  leaderElectionNamespace?: string;
  leaderElectionId: string;
  leaderElectionLeaseDuration: number;
  leaderElectionRenewDeadline: number;
  leaderElectionRetryPeriod: number;
  /** Active-active replicas, each working on its share (a shard ring of member Leases). */
  sharding: boolean;
  /** The ring's name: its Leases' label value and their names' prefix. */
  shardRing: string;
  logLevel: LevelWithSilent;
  logFormat: LogFormat;
}

/** What `run` supplies besides its flags. */
export interface RunContext {
  kubeConfig: KubeConfig;
  clock: Clock;
  log: Logger;
  defaultCredentials: CredentialsProvider;
  /** `source.host` of Events. */
  instance: string;
  /** The registry `/metrics` serves. */
  registry: Registry;
  /** The running version, for paiflow_controller_info. */
  version: string;
  /** Proxy (from the environment) and the CA bundle's content (from --paiflow-ca-file). */
  paiflowNetwork: PaiflowNetworkOptions;
  /** With --leader-elect: the Lease's namespace (resolved) and this process's identity in it. */
  leaderElection?: { namespace: string; identity: string };
  /** With --sharding: the member Leases' namespace (resolved) and this process's identity in the ring. */
  sharding?: { namespace: string; identity: string };
}

/** Two flags whose values contradict each other, and why; undefined when the flags agree. */
export interface FlagConflict {
  flags: [keyof RunFlags, keyof RunFlags];
  problem: string;
}

/** The Lease timings (`--leader-election-*`), which leader election and the shard ring both use. */
function leaseTimingsOf(flags: RunFlags): Required<LeaseTimings> {
  return {
    leaseDurationMs: flags.leaderElectionLeaseDuration,
    renewDeadlineMs: flags.leaderElectionRenewDeadline,
    retryPeriodMs: flags.leaderElectionRetryPeriod,
  };
}

/** Checks what no single flag's parser can: relations between flags. */
export function findFlagConflict(flags: RunFlags): FlagConflict | undefined {
  if (flags.leaderElect && flags.sharding) {
    return {
      flags: ['leaderElect', 'sharding'],
      problem:
        'sharding replaces leader election (every replica is active and works on its share of the resources): drop --leader-elect',
    };
  }
  if ((flags.metricsCertFile === undefined) !== (flags.metricsKeyFile === undefined)) {
    return {
      flags: ['metricsCertFile', 'metricsKeyFile'],
      problem: 'give both the certificate and its key, or neither (then a self-signed certificate is made)',
    };
  }
  if (!flags.metricsSecure && flags.metricsCertFile !== undefined) {
    return {
      flags: ['metricsCertFile', 'metricsSecure'],
      problem: 'a certificate is only used when metrics are served over HTTPS: drop it or the false',
    };
  }
  if (flags.leaderElectionRenewDeadline >= flags.leaderElectionLeaseDuration) {
    return {
      flags: ['leaderElectionRenewDeadline', 'leaderElectionLeaseDuration'],
      problem: `the renew deadline (${flags.leaderElectionRenewDeadline / 1000}s) must be shorter than the lease duration (${flags.leaderElectionLeaseDuration / 1000}s), or a leader could still work after the others took over`,
    };
  }
  if (flags.leaderElectionRetryPeriod >= flags.leaderElectionRenewDeadline) {
    return {
      flags: ['leaderElectionRetryPeriod', 'leaderElectionRenewDeadline'],
      problem: `the retry period (${flags.leaderElectionRetryPeriod / 1000}s) must be shorter than the renew deadline (${flags.leaderElectionRenewDeadline / 1000}s)`,
    };
  }
  if (flags.minPollInterval > flags.defaultPollInterval) {
    return {
      flags: ['minPollInterval', 'defaultPollInterval'],
      problem: `the minimum poll interval (${flags.minPollInterval / 1000}s) must not exceed the default (${flags.defaultPollInterval / 1000}s)`,
    };
  }
  return undefined;
}

/** The Manager's options for these flags. */
export function managerOptions(flags: RunFlags, context: RunContext): ManagerOptions {
  return {
    kubeConfig: context.kubeConfig,
    clock: context.clock,
    log: context.log,
    namespaces: flags.namespaces,
    labelSelector: flags.labelSelector,
    workers: flags.workers,
    defaultPollIntervalMs: flags.defaultPollInterval,
    minPollIntervalMs: flags.minPollInterval,
    stalledRetryMs: flags.stalledRetryInterval,
    defaultRegion: flags.defaultRegion,
    vpcEndpoints: flags.vpcEndpoints,
    endpointAllowList: flags.endpointAllowList,
    defaultCredentials: context.defaultCredentials,
    defaultCredentialsNamespaces: flags.defaultCredentialsNamespaces,
    paiflowQps: flags.paiflowQps,
    paiflowBurst: flags.paiflowBurst,
    paiflowMaxConcurrent: flags.paiflowMaxConcurrent,
    paiflowMaxConcurrentPerIdentity: flags.paiflowMaxConcurrentPerIdentity,
    paiflowTimeoutMs: flags.paiflowTimeout,
    paiflowBatchSize: flags.paiflowBatchSize,
    fullRefreshIntervals: flags.fullRefreshIntervals,
    paiflowNetwork: context.paiflowNetwork,
    reconcileTimeoutMs: flags.reconcileTimeout,
    probeAddress: flags.probeAddress,
    instance: context.instance,
    leaderElection:
      context.leaderElection === undefined
        ? undefined
        : {
            ...context.leaderElection,
            id: flags.leaderElectionId,
            ...leaseTimingsOf(flags),
          },
    sharding:
      context.sharding === undefined
        ? undefined
        : {
            ...context.sharding,
            ring: flags.shardRing,
            ...leaseTimingsOf(flags),
          },
    metrics: {
      registry: context.registry,
      version: context.version,
      perObjectMetrics: flags.perObjectMetrics,
      address: flags.metricsAddress,
      secure: !flags.metricsSecure
        ? undefined
        : {
            certificate:
              flags.metricsCertFile === undefined || flags.metricsKeyFile === undefined
                ? undefined
                : { certFile: flags.metricsCertFile, keyFile: flags.metricsKeyFile },
          },
    },
  };
}

/**
 * The proxy settings of the environment, as curl and undici read them: the lowercase variable wins
 * over the uppercase one; empty counts as unset.
 */
export function proxyFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): Pick<PaiflowNetworkOptions, 'httpProxy' | 'httpsProxy' | 'noProxy'> {
  const read = (name: string): string | undefined =>
    [env[name.toLowerCase()], env[name]].find((value) => value !== undefined && value !== '');
  const httpProxy = read('HTTP_PROXY');
  const httpsProxy = read('HTTPS_PROXY');
  const noProxy = read('NO_PROXY');
  return {
    ...(httpProxy !== undefined && { httpProxy }),
    ...(httpsProxy !== undefined && { httpsProxy }),
    ...(noProxy !== undefined && { noProxy }),
  };
}

/** A loaded kubeconfig and where it came from, for the startup log. */
export interface LoadedKubeConfig {
  kubeConfig: KubeConfig;
  /** The file(s), `KUBECONFIG`, `~/.kube/config` or `in-cluster service account`. */
  source: string;
}

/**
 * Loads the cluster configuration:
 * - `file` from --kubeconfig: that file;
 * - `file` from the KUBECONFIG variable: the files it lists (separated like PATH), merged by
 *   client-node's `loadFromDefault()`, which reads the variable itself;
 * - no `file`: `loadFromDefault()`: ~/.kube/config, else the pod's service account.
 *
 * Throws an Error with a one-line reason when a file is missing or unreadable, when no context
 * names a cluster, when the cluster's server is not a URL, or when nothing was found at all (client-node would then silently fall back to
 * http://localhost:8080, which on a cluster node is rarely what anyone means).
 */
export function loadKubeConfig(option: { file: string | undefined; fromEnv: boolean }): LoadedKubeConfig {
  const kubeConfig = new KubeConfig();
  const files =
    option.file === undefined
      ? []
      : option.fromEnv
        ? option.file.split(delimiter).filter((file) => file !== '')
        : [option.file];
  const missing = files.find((file) => !existsSync(file));
  if (missing !== undefined) throw new Error(`no such file: ${missing}`);
  try {
    if (option.fromEnv || files[0] === undefined) kubeConfig.loadFromDefault();
    else kubeConfig.loadFromFile(files[0]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot load it: ${message.split('\n')[0] ?? ''}`, { cause: error });
  }
  const cluster = kubeConfig.getCurrentCluster();
  const fellBackToLocalhost =
    kubeConfig.currentContext === 'loaded-context' && cluster?.server === 'http://localhost:8080';
  if (files.length === 0 && fellBackToLocalhost) {
    throw new Error(
      'no Kubernetes configuration found: no KUBECONFIG, no ~/.kube/config and no in-cluster service account',
    );
  }
  if (cluster === null) {
    throw new Error(`its current context (${JSON.stringify(kubeConfig.currentContext)}) names no cluster`);
  }
  if (!URL.canParse(cluster.server)) {
    throw new Error(
      `the server of its cluster ${JSON.stringify(cluster.name)} is not a URL: ${JSON.stringify(cluster.server)}`,
    );
  }
  const source =
    files.length > 0
      ? files.join(delimiter)
      : cluster.name === 'inCluster'
        ? 'in-cluster service account'
        : '~/.kube/config';
  return { kubeConfig, source };
}

/**
 * Every setting of a run, for the startup log line. Listed field by field, so that nothing secret
 * (a kubeconfig's credentials) ends up there by accident.
 */
export function describeConfiguration(
  flags: RunFlags,
  kube: LoadedKubeConfig,
  extra: {
    instance: string;
    credentialVariables: string[];
    version: string;
    network: PaiflowNetworkOptions;
    leaderElectionNamespace?: string | undefined;
    /** This process's identity in the shard ring, with --sharding. */
    shardIdentity?: string | undefined;
  },
): Record<string, unknown> {
  return {
    version: extra.version,
    kubeconfig: kube.source,
    context: kube.kubeConfig.currentContext,
    server: kube.kubeConfig.getCurrentCluster()?.server,
    namespaces: flags.namespaces ?? 'all',
    labelSelector: flags.labelSelector ?? '',
    workers: flags.workers,
    defaultPollIntervalMs: flags.defaultPollInterval,
    minPollIntervalMs: flags.minPollInterval,
    stalledRetryIntervalMs: flags.stalledRetryInterval,
    defaultRegion: flags.defaultRegion ?? '',
    vpcEndpoints: flags.vpcEndpoints,
    endpointAllowList: flags.endpointAllowList,
    paiflowQps: flags.paiflowQps,
    paiflowBurst: flags.paiflowBurst,
    paiflowMaxConcurrent: flags.paiflowMaxConcurrent,
    paiflowMaxConcurrentPerIdentity:
      flags.paiflowMaxConcurrentPerIdentity ?? Math.ceil(flags.paiflowMaxConcurrent / 2),
    paiflowTimeoutMs: flags.paiflowTimeout,
    paiflowBatchSize: flags.paiflowBatchSize,
    fullRefreshIntervals: flags.fullRefreshIntervals,
    // Proxy URLs may carry a password: shown without it.
    paiflowProxy: {
      http: extra.network.httpProxy === undefined ? 'none' : redactProxyUrl(extra.network.httpProxy),
      https:
        extra.network.httpsProxy === undefined
          ? extra.network.httpProxy === undefined
            ? 'none'
            : 'as http'
          : redactProxyUrl(extra.network.httpsProxy),
      noProxy: extra.network.noProxy ?? '',
    },
    paiflowCaFile: flags.paiflowCaFile ?? '',
    reconcileTimeoutMs: flags.reconcileTimeout,
    probeAddress: `${flags.probeAddress.host}:${flags.probeAddress.port}`,
    metricsAddress: `${flags.metricsAddress.host}:${flags.metricsAddress.port}`,
    metricsSecure: flags.metricsSecure,
    metricsCertificate: flags.metricsCertFile ?? (flags.metricsSecure ? 'self-signed' : 'none'),
    perObjectMetrics: flags.perObjectMetrics,
    shutdownTimeoutMs: flags.shutdownTimeout,
    leaderElection: flags.leaderElect
      ? {
          namespace: extra.leaderElectionNamespace ?? '',
          id: flags.leaderElectionId,
          ...leaseTimingsOf(flags),
        }
      : 'off',
    sharding: flags.sharding
      ? {
          namespace: extra.leaderElectionNamespace ?? '',
          ring: flags.shardRing,
          identity: extra.shardIdentity ?? '',
          ...leaseTimingsOf(flags),
        }
      : 'off',
    logLevel: flags.logLevel,
    logFormat: flags.logFormat,
    instance: extra.instance,
    // Names only: which inputs the @alicloud/credentials default chain will find.
    defaultCredentials: {
      chain: '@alicloud/credentials default chain',
      variables: extra.credentialVariables,
      namespaces: flags.defaultCredentialsNamespaces.includes('*')
        ? 'all'
        : flags.defaultCredentialsNamespaces,
    },
  };
}

/** Where a ServiceAccount token mount says which namespace the pod runs in. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/**
 * The Lease's namespace: --leader-election-namespace, else the pod's own namespace (POD_NAMESPACE,
 * else the ServiceAccount mount), as controller-runtime finds it; undefined when none says.
 */
export function leaderElectionNamespace(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  readNamespaceFile: () => string | undefined,
): string | undefined {
  if (flag !== undefined) return flag;
  const fromEnv = env.POD_NAMESPACE?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const fromFile = readNamespaceFile()?.trim();
  return fromFile === '' ? undefined : fromFile;
}

/** Characters of the random part of a shard ring identity. */
export const SHARD_IDENTITY_SUFFIX_LENGTH = 5;

/**
 * This process's identity in the shard ring `ring`: the pod name (`instance`), lower-cased, with
 * anything but letters, digits and '-' made '-', then '-' and `suffix` (random: a restarted container
 * must not pass for the old member, whose Lease the others still count live). The pod part is
 * shortened so that the member Lease's name, `<ring>-<identity>`, stays within 253 characters.
 */
export function shardIdentity(instance: string, ring: string, suffix: string): string {
  const room = 253 - ring.length - 1 - 1 - suffix.length;
  const pod = instance
    .toLowerCase()
    .replaceAll(/[^a-z0-9-]/g, '-')
    .slice(0, Math.max(room, 0))
    .replaceAll(/^-+|-+$/g, '');
  return pod === '' ? suffix : `${pod}-${suffix}`;
}
