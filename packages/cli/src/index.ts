// Public API of @jiq/cli: the program, and the cluster runner used by e2e tests and experiments.
export { buildProgram, runCli } from './program';
export { runCluster } from './cluster/run-cluster';
export type { ClusterResult, ClusterRunOptions, DispatcherSummary, RunningCluster } from './cluster/run-cluster';
export { totalRatePerSecond, validateClusterFlags } from './cluster/cluster-params';
export type { ClusterParams, RawClusterFlags } from './cluster/cluster-params';
export { spawnJiq } from './cluster/child-process';
export type { JiqChild, ReadyLine } from './cluster/child-process';
