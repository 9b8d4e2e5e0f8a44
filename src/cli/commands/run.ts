import { randomInt, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { systemClock } from '../../clock/clock.ts';
import type { Manager } from '../../app/manager.ts';
import { DEFAULT_BATCH_SIZE } from '../../controller/observer/batch-sizes.ts';
import { DEFAULT_FULL_REFRESH_INTERVALS } from '../../controller/observer/poll-interval.ts';
import { createLogger, LOG_FORMATS } from '../../observability/logger.ts';
import {
  checkEndpointAllowList,
  DEFAULT_ENDPOINT_ALLOW_LIST,
  DefaultChainCredentialsProvider,
  parseCaBundle,
  regionalEndpoint,
} from '../../paiflow/index.ts';
import {
  checkedBy,
  commaList,
  intInRange,
  numberInRange,
  parseBoolean,
  parseDuration,
  parseHostPort,
  positiveDuration,
} from '../parsers.ts';
import type { LoadedKubeConfig, RunFlags } from '../run-config.ts';
import { shutdownSignal } from '../serve.ts';
import { packageVersion } from '../version.ts';
import { logLevelOption } from '../common-options.ts';
import { parseLabelSelector } from '../../util/label-selector.ts';

const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function checkNamespaceName(name: string): void {
  if (!NAMESPACE_NAME.test(name)) {
    throw new Error(`expected namespace names such as team-a (lower-case DNS labels), got "${name}"`);
  }
}

const LEASE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

function checkLeaseName(name: string): void {
  if (!LEASE_NAME.test(name)) {
    throw new Error(
      `expected a Lease name such as paiflow-controller (a lower-case DNS subdomain), got "${name}"`,
    );
  }
}

/** A shard ring's name is also the value of its Leases' label: a DNS label. */
function checkRingName(name: string): void {
  if (!NAMESPACE_NAME.test(name)) {
    throw new Error(
      `expected a ring name such as paiflow-controller (a lower-case DNS label, at most 63 characters), got "${name}"`,
    );
  }
}

/** The random part of a shard ring identity: lower-case letters and digits. */
function randomShardSuffix(length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

function checkLabelSelector(selector: string): void {
  try {
    parseLabelSelector(selector);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`${why}; expected a label selector such as tier=ml or "env in (prod,staging)"`, {
      cause: error,
    });
  }
}

/** `--default-credentials-namespaces`: `*` alone, namespace names, or nothing at all. */
function namespaceScope(value: string): string[] {
  if (value.trim() === '') return [];
  const names = commaList((name) => {
    if (name !== '*') checkNamespaceName(name);
  })(value);
  if (names.includes('*') && names.length > 1) {
    throw new InvalidArgumentError(`expected * alone or namespace names, got "${value}".`);
  }
  return names;
}

const HELP_AFTER = `
Credentials: the controller's own PAIFlow credentials (used for resources without
spec.credentialsSecretRef, in the namespaces --default-credentials-namespaces allows) always come
from the default chain of @alicloud/credentials, which reads
its own environment: ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET /
ALIBABA_CLOUD_SECURITY_TOKEN; RRSA on ACK (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN,
ALIBABA_CLOUD_OIDC_TOKEN_FILE); the CLI profile and credentials file; the ECS RAM role. Secrets are
never logged.

Proxy: PAIFlow requests honour HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lowercase variants win), through
undici's EnvHttpProxyAgent: https endpoints are tunnelled with CONNECT. The Kubernetes API is reached
directly.

Events are reported from host $POD_NAME (default: the host name). Probes: GET /healthz, /readyz (ready
once the PipelineRunNode cache has synced) on --probe-address. SIGTERM or SIGINT stops gracefully
within --shutdown-timeout and exits 0; a second signal exits 1 at once.

Leader election (--leader-elect): every replica fills its cache and is ready; only the holder of the
Lease --leader-election-id polls PAIFlow and writes status and Events. On SIGTERM the leader stops
its work, then releases the Lease (the next replica takes over within about a retry period). A
leader that cannot renew within --leader-election-renew-deadline stops its work at once and exits 1.

Sharding (--sharding, instead of --leader-elect): every replica is active. Each holds a member Lease
<ring>-<pod name>-<random> (labelled paiflow.dev/shard-ring=<ring>, ring --shard-ring) in the
controller's namespace and polls and writes status only for the resources it wins by rendezvous hashing
of spec.pipelineRunId over the live members. The Lease timings are the --leader-election-* ones. A
replica that cannot renew within the renew deadline drops every resource until it renews again; on
SIGTERM it stops its work, then deletes its Lease, and the others take over within about a retry period.`;

/**
 * `paiflow-controller run`: the controller. Every flag has an environment variable
 * `PAIFLOW_<FLAG>` (except --kubeconfig, which reads the standard KUBECONFIG); a flag wins over it.
 * Logs the effective configuration at start, serves probes, stops gracefully on SIGTERM/SIGINT.
 */
export function runCommand(): Command {
  // The variable is derived from the flag so the two can never disagree.
  const option = (flags: string, description: string): Option => {
    const long = /--([a-z-]+)/.exec(flags)?.[1] ?? '';
    return new Option(flags, description).env(`PAIFLOW_${long.toUpperCase().replaceAll('-', '_')}`);
  };
  return new Command('run')
    .description('run the controller (in-cluster config, or KUBECONFIG / --kubeconfig)')
    .addOption(
      new Option(
        '--kubeconfig <file>',
        'kubeconfig file; KUBECONFIG may list several, separated by ":" (default: ~/.kube/config, else the in-cluster service account)',
      ).env('KUBECONFIG'),
    )
    .addOption(
      option(
        '--namespaces <a,b>',
        'namespaces to watch, comma-separated (default: all namespaces)',
      ).argParser(commaList(checkNamespaceName)),
    )
    .addOption(
      option(
        '--label-selector <selector>',
        'watch only PipelineRunNodes matching this label selector',
      ).argParser(checkedBy(checkLabelSelector)),
    )
    .addOption(
      option('--workers <n>', 'parallel reconciles (one resource is never reconciled twice at once)')
        .argParser(intInRange(1, 256))
        .default(4),
    )
    .addOption(
      option('--default-poll-interval <duration>', 'poll interval of resources without spec.pollInterval')
        .argParser(positiveDuration)
        .default(30_000, '30s'),
    )
    .addOption(
      option('--min-poll-interval <duration>', 'floor of spec.pollInterval; at most the default interval')
        .argParser(positiveDuration)
        .default(10_000, '10s'),
    )
    .addOption(
      option(
        '--stalled-retry-interval <duration>',
        'how often resources stuck on a permanent error are retried',
      )
        .argParser(positiveDuration)
        .default(300_000, '5m'),
    )
    .addOption(
      option(
        '--default-region <region>',
        'region of resources without spec.region or spec.endpoint',
      ).argParser(checkedBy((region) => regionalEndpoint(region))),
    )
    .addOption(
      option(
        '--vpc-endpoints [boolean]',
        'regional endpoints use paiflow-vpc.<region>.aliyuncs.com (reachable only from a VPC)',
      )
        .argParser(parseBoolean)
        .default(false),
    )
    .addOption(
      option(
        '--endpoint-allow-list <patterns>',
        'hosts spec.endpoint may name, comma-separated: [scheme://]host[:port], * matching one DNS label or any port',
      )
        .argParser(commaList((entry) => checkEndpointAllowList([entry])))
        .default([...DEFAULT_ENDPOINT_ALLOW_LIST], DEFAULT_ENDPOINT_ALLOW_LIST.join(',')),
    )
    .addOption(
      option(
        '--default-credentials-namespaces <a,b>',
        "namespaces whose resources may omit spec.credentialsSecretRef and use the controller's own credentials, comma-separated; * for all, empty for none (every resource names its own Secret)",
      )
        .argParser(namespaceScope)
        .default(['*'], '*'),
    )
    .addOption(
      option('--paiflow-qps <n>', 'PAIFlow requests per second, per credential identity')
        .argParser(numberInRange(0.001, 100_000))
        .default(10),
    )
    .addOption(
      option('--paiflow-burst <n>', 'PAIFlow requests allowed at once above the QPS, per credential identity')
        .argParser(intInRange(1, 100_000))
        .default(20),
    )
    .addOption(
      option(
        '--paiflow-max-concurrent <n>',
        'PAIFlow requests in flight at most per endpoint, over all credential identities',
      )
        .argParser(intInRange(1, 10_000))
        .default(16),
    )
    .addOption(
      option(
        '--paiflow-max-concurrent-per-identity <n>',
        "one credential identity's share of an endpoint's --paiflow-max-concurrent; the rest serves other identities, however slow this one's answers",
      )
        .argParser(intInRange(1, 10_000))
        .default(undefined, 'half of --paiflow-max-concurrent, rounded up'),
    )
    .addOption(
      option('--paiflow-timeout <duration>', 'timeout of one PAIFlow request attempt')
        .argParser(positiveDuration)
        .default(10_000, '10s'),
    )
    .addOption(
      option(
        '--paiflow-batch-size <n>',
        'nodes per batched status call (ListPipelineRunsStatus); 0: one detail call per resource and interval',
      )
        .argParser(intInRange(0, 10_000))
        .default(DEFAULT_BATCH_SIZE),
    )
    .addOption(
      option(
        '--full-refresh-intervals <n>',
        'a resource gets a full detail call (RuntimeInfo, children added later) every this many poll intervals',
      )
        .argParser(intInRange(1, 10_000))
        .default(DEFAULT_FULL_REFRESH_INTERVALS),
    )
    .addOption(
      option(
        '--paiflow-ca-file <file>',
        'PEM bundle of CA certificates trusted for PAIFlow (and proxy) TLS, besides the default ones',
      ),
    )
    .addOption(
      option('--reconcile-timeout <duration>', 'a reconcile still running after this long is cancelled')
        .argParser(positiveDuration)
        .default(60_000, '1m'),
    )
    .addOption(
      option('--probe-address <host:port>', 'address of /healthz and /readyz; port 0 picks a free port')
        .argParser(parseHostPort)
        .default({ host: '0.0.0.0', port: 8081 }, '0.0.0.0:8081'),
    )
    .addOption(
      option('--metrics-address <host:port>', 'address of /metrics (Prometheus); port 0 picks a free port')
        .argParser(parseHostPort)
        .default({ host: '0.0.0.0', port: 8080 }, '0.0.0.0:8080'),
    )
    .addOption(
      option(
        '--metrics-secure [boolean]',
        'serve /metrics over HTTPS, only to scrapers whose bearer token the API server authenticates (TokenReview) and authorizes for GET /metrics (SubjectAccessReview); false: plain HTTP, open to anyone who can connect',
      )
        .argParser(parseBoolean)
        .default(true),
    )
    .addOption(
      option(
        '--metrics-cert-file <file>',
        'PEM serving certificate (chain) of /metrics, with --metrics-key-file (default: a self-signed certificate made at start)',
      ),
    )
    .addOption(option('--metrics-key-file <file>', 'PEM private key of --metrics-cert-file'))
    .addOption(
      option(
        '--per-object-metrics [boolean]',
        'also export one paiflow_pipelinerunnode_* series set per resource (kube-state-metrics style; high cardinality)',
      )
        .argParser(parseBoolean)
        .default(false),
    )
    .addOption(
      option(
        '--shutdown-timeout <duration>',
        'on SIGTERM or SIGINT, in-flight reconciles get this long to finish before they are cancelled',
      )
        .argParser(parseDuration)
        .default(30_000, '30s'),
    )
    .addOption(
      option(
        '--leader-elect [boolean]',
        'run the work (polling PAIFlow, writing status and Events) only while holding a Lease, so that several replicas can run and one works; the others take over when it stops',
      )
        .argParser(parseBoolean)
        .default(false),
    )
    .addOption(
      option(
        '--leader-election-namespace <namespace>',
        "namespace of the leader election Lease and of the shard ring's member Leases (default: the pod's namespace, from POD_NAMESPACE or the service account mount)",
      ).argParser(checkedBy(checkNamespaceName)),
    )
    .addOption(
      option('--leader-election-id <name>', 'name of the leader election Lease')
        .argParser(checkedBy(checkLeaseName))
        .default('paiflow-controller'),
    )
    .addOption(
      option(
        '--leader-election-lease-duration <duration>',
        'Lease timing (leader election and shard ring): how long the others wait, after they last saw a Lease renewed, before taking over',
      )
        .argParser(positiveDuration)
        .default(15_000, '15s'),
    )
    .addOption(
      option(
        '--leader-election-renew-deadline <duration>',
        'Lease timing (leader election and shard ring): a leader stops working (and exits 1), a ring member drops every resource, when it could not renew its Lease for this long; less than the lease duration',
      )
        .argParser(positiveDuration)
        .default(10_000, '10s'),
    )
    .addOption(
      option(
        '--leader-election-retry-period <duration>',
        'Lease timing (leader election and shard ring): how often to try to take or renew a Lease (and to read the ring); less than the renew deadline',
      )
        .argParser(positiveDuration)
        .default(2_000, '2s'),
    )
    .addOption(
      option(
        '--sharding [boolean]',
        'active-active replicas: each holds a member Lease in a shard ring and polls PAIFlow and writes status only for its share of the resources; instead of --leader-elect',
      )
        .argParser(parseBoolean)
        .default(false),
    )
    .addOption(
      option(
        '--shard-ring <name>',
        "name of the shard ring: its member Leases' label paiflow.dev/shard-ring and their names' prefix",
      )
        .argParser(checkedBy(checkRingName))
        .default('paiflow-controller'),
    )
    .addOption(logLevelOption('PAIFLOW_LOG_LEVEL'))
    .addOption(
      option('--log-format <format>', 'json: one object per line; text: for terminals')
        .choices(LOG_FORMATS)
        .default('json'),
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (flags: RunFlags, command: Command) => {
      // Loaded only now: --help, flag errors and the other commands need neither the controller nor
      // client-node, which would double their start-up time.
      const config = await import('../run-config.ts');
      const conflict = config.findFlagConflict(flags);
      if (conflict !== undefined) {
        const [a, b] = conflict.flags.map((key) => optionLabel(command, key));
        command.error(`error: options ${a} and ${b} conflict: ${conflict.problem}.`);
      }
      let kube: LoadedKubeConfig;
      try {
        kube = config.loadKubeConfig({
          file: flags.kubeconfig,
          fromEnv: command.getOptionValueSource('kubeconfig') === 'env',
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (flags.kubeconfig === undefined || flags.kubeconfig === '') {
          return command.error(`error: ${reason}; set option '--kubeconfig <file>' or KUBECONFIG.`);
        }
        return invalidOption(command, 'kubeconfig', flags.kubeconfig, reason);
      }
      const extraCaPem =
        flags.paiflowCaFile === undefined ? undefined : await readCaFile(command, flags.paiflowCaFile);
      const leaseNamespace = config.leaderElectionNamespace(flags.leaderElectionNamespace, process.env, () =>
        readNamespaceFile(config.SERVICE_ACCOUNT_NAMESPACE_FILE),
      );
      if ((flags.leaderElect || flags.sharding) && leaseNamespace === undefined) {
        command.error(
          `error: option '${flags.sharding ? '--sharding' : '--leader-elect'}' needs the Lease's namespace: set option '--leader-election-namespace <namespace>' (or POD_NAMESPACE); none was found in the service account mount.`,
        );
      }
      const paiflowNetwork = {
        ...config.proxyFromEnvironment(process.env),
        ...(extraCaPem !== undefined && { extraCaPem }),
      };
      const log = createLogger({ level: flags.logLevel, format: flags.logFormat, component: 'controller' });
      const fatal = (error: unknown): never => {
        const message = error instanceof Error ? error.message : String(error);
        log.fatal({ err: error }, 'fatal error; exiting');
        process.stderr.write(`paiflow-controller run: ${message.split('\n')[0] ?? ''}\n`);
        process.exit(1);
      };
      process.on('uncaughtException', fatal);
      process.on('unhandledRejection', fatal);
      try {
        const { Manager } = await import('../../app/manager.ts');
        const { Registry } = await import('prom-client');
        const instance = process.env.POD_NAME || hostname();
        const shardIdentity = flags.sharding
          ? config.shardIdentity(
              instance,
              flags.shardRing,
              randomShardSuffix(config.SHARD_IDENTITY_SUFFIX_LENGTH),
            )
          : undefined;
        const credentialVariables = Object.keys(process.env)
          .filter((name) => name.startsWith('ALIBABA_CLOUD_'))
          .sort();
        log.info(
          config.describeConfiguration(flags, kube, {
            instance,
            credentialVariables,
            version: packageVersion(),
            network: paiflowNetwork,
            leaderElectionNamespace: leaseNamespace,
            shardIdentity,
          }),
          'paiflow-controller starting',
        );
        const manager = new Manager(
          config.managerOptions(flags, {
            kubeConfig: kube.kubeConfig,
            clock: systemClock,
            log,
            defaultCredentials: new DefaultChainCredentialsProvider(),
            instance,
            registry: new Registry(),
            version: packageVersion(),
            paiflowNetwork,
            ...(flags.leaderElect &&
              leaseNamespace !== undefined && {
                // A process, not a pod: a restarted container must not pass for the old leader.
                leaderElection: { namespace: leaseNamespace, identity: `${instance}_${randomUUID()}` },
              }),
            ...(shardIdentity !== undefined &&
              leaseNamespace !== undefined && {
                sharding: { namespace: leaseNamespace, identity: shardIdentity },
              }),
          }),
        );
        await runUntilSignal(command, flags, manager, log);
      } catch (error) {
        // A usage error found after start (the probe address) exits 2 like the others (main.ts).
        if (error instanceof CommanderError) throw error;
        fatal(error);
      }
    });
}

/**
 * Starts the manager and stops it on the first SIGTERM or SIGINT, giving in-flight reconciles
 * --shutdown-timeout; a second signal meanwhile exits 1 at once.
 */
async function runUntilSignal(
  command: Command,
  flags: RunFlags,
  manager: Manager,
  log: Logger,
): Promise<void> {
  // Listening for signals before start(): the cache may take long to sync (the API server may be
  // unreachable, the informer then retries), and a signal meanwhile must still stop cleanly.
  const stopping = shutdownSignal();
  try {
    await Promise.race([manager.start(), stopping]);
  } catch (error) {
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (syscall === 'listen' || syscall === 'getaddrinfo') {
      const { host, port } = flags.probeAddress;
      invalidOption(
        command,
        'probeAddress',
        `${host}:${port}`,
        `cannot listen there (${code ?? syscall}); pick another address`,
      );
    }
    throw error;
  }
  const ended = await Promise.race([
    stopping.then((signal) => ({ signal })),
    manager.failed.then((failure) => ({ failure })),
  ]);
  if ('failure' in ended) {
    // The reconcile work has already stopped: another replica may lead. Exit so the pod restarts
    // clean (a new identity, a fresh cache), as client-go's controllers do.
    log.error({ reason: ended.failure.reason }, 'stopping: exiting 1 so that the pod restarts');
    await manager.stop(0);
    process.exit(1);
  }
  log.info(
    { signal: ended.signal, graceMs: flags.shutdownTimeout },
    'stopping: finishing in-flight reconciles',
  );
  void shutdownSignal().then((again) => {
    log.error({ signal: again }, 'second signal during shutdown: exiting at once');
    process.exit(1);
  });
  await manager.stop(flags.shutdownTimeout);
  log.info('stopped');
}

/** The service account mount's namespace file, or undefined outside a pod. */
function readNamespaceFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The --paiflow-ca-file bundle, checked; a missing or invalid file exits naming the flag. */
async function readCaFile(command: Command, file: string): Promise<string> {
  try {
    const pem = await readFile(file, 'utf8');
    parseCaBundle(pem);
    return pem;
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return invalidOption(command, 'paiflowCaFile', file, reason);
  }
}

/** `'--flag <arg>'`, plus the variable when the value came from the environment. */
function optionLabel(command: Command, key: keyof RunFlags): string {
  const option = command.options.find((o) => o.attributeName() === key);
  const fromEnv = command.getOptionValueSource(key) === 'env';
  return `'${option?.flags ?? key}'${fromEnv ? ` (from env '${option?.envVar ?? ''}')` : ''}`;
}

/** Exits like commander does for a value its parser refuses, for checks that need more than the value. */
function invalidOption(command: Command, key: keyof RunFlags, value: string, reason: string): never {
  const option = command.options.find((o) => o.attributeName() === key);
  const shown =
    command.getOptionValueSource(key) === 'env'
      ? `value '${value}' from env '${option?.envVar ?? ''}'`
      : `argument '${value}'`;
  return command.error(`error: option '${option?.flags ?? key}' ${shown} is invalid. ${reason}.`);
}
