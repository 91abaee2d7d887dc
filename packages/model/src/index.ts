// Public API of @jiq/model: the mean-field solvers of JIQ-SQ(d) (pure, no I/O).
export { solveModel, assertFinite } from './solve-model';
export type { ModelResult } from './solve-model';
export { POLICIES, validateInput } from './validate';
export type { ModelInput, ModelPolicy } from './validate';
export { withdrawQ0, withdrawTokenDistribution } from './withdraw';
export type { WithdrawQ0 } from './withdraw';
export { luQ0 } from './lu';
export { pkMeanResponse } from './mg1';
export { solveNoWithdraw } from './no-withdraw/solve';
export type { NoWithdrawOptions, NoWithdrawSolution } from './no-withdraw/solve';
