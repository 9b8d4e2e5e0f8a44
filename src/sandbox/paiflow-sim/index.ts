/**
 * The PAIFlow API simulator's public surface, for the `paiflow-sim` and `sandbox` commands and for
 * end-to-end tests. See simulator.ts for the server, scenario.ts for the scenario schema,
 * status-model.ts for how statuses evolve, admin-api.ts for the admin HTTP API.
 *
 * Choices made where docs/reference (paiflow-api.md) says UNCONFIRMED or is silent; each is also
 * documented in the file that implements it:
 * - Unknown run → 404 `InvalidPipelineRunId.NotFound`; unknown node → 404 `InvalidNodeId.NotFound`
 *   (real codes unpublished: classify by status). Unknown path/method, or x-acs-action not matching the
 *   path → 404 `InvalidAction.NotFound`; wrong x-acs-version → 400 `InvalidVersion`.
 * - Depth defaults to 1; any integer >= 1 is accepted; nodes are listed depth-first, queried node first.
 *   Type=Physical lists the physical nodes of every logical node Depth selects.
 * - Shared runs: 403 `Forbidden.RAM` unless TokenId equals the share token; ListPipelineRunsStatus (which
 *   has no TokenId) leaves shared, unknown and not-yet-started entries out instead of failing; at most
 *   100 entries in each of Nodes and PipelineRuns (400 `InvalidParameter` beyond).
 * - Signature rejections: `IncompleteSignature` 400, `InvalidAccessKeyId.NotFound` 404,
 *   `InvalidTimeStamp.Format`/`.Expired` 400, `MissingSecurityToken` 400,
 *   `InvalidSecurityToken.MismatchWithAccessKey` 400, `SignatureDoesNotMatch` 400, `SignatureNonceUsed`
 *   400 (statuses from Alibaba's public error centre).
 * - Throttling: `Throttling.User`, HTTP 400 by default (429 configurable), `x-acs-retry-after` in
 *   milliseconds (the unit Alibaba's SDKs read it in).
 * - StartedAt/FinishedAt of nodes not started/finished are left out (`settings.unsetTimes: empty` sends "").
 *   RuntimeInfo is `{}` until a node starts, then the scenario's string verbatim.
 * - GetPipelineRun: NodeId "" and no StartedAt before the run starts; Duration in whole seconds.
 */
export { PaiflowSimulator, PAIFLOW_API_VERSION } from './simulator.ts';
export type { PaiflowSimulatorOptions, RunSummary, SimulatorLogger } from './simulator.ts';
export type { AccessKey } from './signature-verifier.ts';
export type { ThrottleOptions } from './account-throttle.ts';
export { FAULT_KINDS } from './fault-book.ts';
export type { ActiveFault, FaultKind, FaultSpec } from './fault-book.ts';
export type { RequestCounts } from './request-counts.ts';
export { ManualClockRequiredError } from './scenario-clock.ts';
export type { ClockMode } from './scenario-clock.ts';
export { NotFoundError } from './run-book.ts';
export { OPERATIONS, BATCH_LIMIT } from './operations.ts';
export type { Operation } from './operations.ts';
export {
  DEFAULT_SETTINGS,
  OUTCOMES,
  parseScenarioYaml,
  ScenarioError,
  validateRuns,
  validateScenario,
} from './scenario.ts';
export type {
  NodeSpec,
  Outcome,
  PhysicalNodeSpec,
  RunSpec,
  Scenario,
  ScenarioIssue,
  ScenarioSettings,
} from './scenario.ts';
export type { NodeStatus } from './status-model.ts';
