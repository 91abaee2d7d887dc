// Public API of @jiq/core: the pure policy core shared by the cluster, the simulator and the
// model — policies, job sizes, the seeded PRNG, metrics maths and errors. It imports nothing of
// Node, gRPC, NATS, Redis or pino (lint enforces it), so every engine can load it.
export { ErrorCode } from './gen/enums';
export { choiceOf, positiveInteger } from './errors/config-checks';
export { JiqConfigError, JiqError, JiqJobError, JiqRefusedError, JiqTimeoutError, JiqUnavailableError } from './errors/errors';
export type { ErrorCodeName } from './errors/errors';

export { createPrng, deriveSeed, sampleExp, sampleIndex, sampleNormal, Sfc32 } from './random/prng';
export type { Prng } from './random/prng';

export type { JobSizeDistribution } from './jobs/job-size';
export {
  erlang,
  exponential,
  hyperexponential,
  JOB_SPEC_SYNTAX,
  parseJobSpec,
  phaseTypeDistribution,
} from './jobs/parse-job-spec';
export type { ParseJobSpecOptions } from './jobs/parse-job-spec';
export { makePhaseTypeSampler, phaseTypeMoments, solveLinear, validatePhaseType } from './jobs/phase-type';
export type { PhaseType } from './jobs/phase-type';

export { TokenQueue } from './policy/token-queue';
export { EQUAL_SPEEDS, TOKEN_SELECTIONS, tokenSelections } from './policy/token-selection';
export type { SelectionEnv, TokenSelection, TokenSelectionName } from './policy/token-selection';
export { pickShortest, probeModes, sampleDistinct, sampleWithReplacement, SqdPlacement } from './policy/placement';
export type { ProbeMode } from './policy/placement';
export { Candidates } from './policy/candidates';
export { pickFastestShortest, serverPickers } from './policy/server-pickers';
export type { LengthsRead, PickerOptions, ServerPicker } from './policy/server-pickers';
export { DISPATCH_POLICIES, dispatchPolicies, dispatchPolicy } from './policy/dispatch-policies';
export type { DispatchPolicy, DispatchPolicyName, Engine } from './policy/dispatch-policies';
export { createRouter, Router } from './policy/router';
export type { RouterEnv } from './policy/router';
export { flagField, optionField, PROBE_MODES, resolvePolicyConfig, TOKEN_RULES } from './policy/policy-config';
export type { FieldName, PolicyConfig, PolicyOptions, PolicySystem, TokenRule } from './policy/policy-config';
export { PolicyRegistry } from './policy/registry';

export { EventHeap } from './heap/event-heap';

export { IQueueMeter } from './metrics/iqueue-meter';
export { meanCi95, Samples, tQuantile975 } from './metrics/summary';
export { batchMeans, batchMeansCi95, DEFAULT_BATCHES, stationarityCheck } from './metrics/batch-means';
export type { StationarityCheck } from './metrics/batch-means';
export { HopHistogram } from './metrics/hop-histogram';
export type { HopHistogramData, HopSummary } from './metrics/hop-histogram';
