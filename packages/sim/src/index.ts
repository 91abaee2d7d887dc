// Public API of @jiq/sim: the discrete-event simulator of JIQ and its baselines.
export { simulate } from './simulate';
export type { SimResult } from './simulate';
export { ENGINES, resolveOptions, SIM_POLICIES, TOKEN_RULES, TOKEN_SELECTIONS } from './options';
export type { EngineName, SimConfig, SimOptions, SimPolicy, TokenRule, TokenSelectionName } from './options';
export { parseSpeeds, SPEEDS_SYNTAX } from './speeds';
export { DELAYS_SYNTAX, HOPS, parseDelays } from './delays';
export type { DelayLaw, DelayLaws, DelaysOption, Hop } from './delays';
