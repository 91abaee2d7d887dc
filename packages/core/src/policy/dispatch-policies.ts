import { PolicyRegistry } from './registry';

/** The engines a policy can run in: the mean-field model, the simulator, the real cluster. */
export type Engine = 'model' | 'sim' | 'cluster';

/**
 * A dispatch policy: whether dispatchers hold tokens (JIQ) and which server picker decides
 * without one (JIQ's fallback, or the whole decision). The one list every engine reads: the
 * simulator, the dispatcher and `jiq policies` look policies up here by name.
 */
export interface DispatchPolicy {
  readonly name: string;
  readonly description: string;
  /** Idle servers place tokens at dispatchers, and a job uses one when its dispatcher has one. */
  readonly tokens: boolean;
  /** The picker (see server-pickers) used without a token, and where its d comes from. */
  readonly picker: string;
  readonly pickerD: 'none' | 'd' | 'fallbackD';
  /** Engines that implement it; checked by tests against what each engine accepts. */
  readonly engines: readonly Engine[];
  /**
   * Where the picker's queue lengths come from on the cluster: `probe` (a round trip to the
   * workers per job, default) or `piggyback` (what the workers reported on their last results,
   * plus what this dispatcher sent since: stale, no round trip).
   */
  readonly lengths?: 'probe' | 'piggyback';
  /** The policy making the same decision on exact lengths (what the simulator runs for a variant it lacks). */
  readonly variantOf?: DispatchPolicyName;
}

export const DISPATCH_POLICIES = ['jiq', 'jiq-pod', 'random', 'round-robin', 'jsq', 'jsq-d', 'jfsq', 'jsq-d-stale'] as const;
export type DispatchPolicyName = (typeof DISPATCH_POLICIES)[number];

export const dispatchPolicies = new PolicyRegistry<DispatchPolicy>('dispatch');

const define = (p: DispatchPolicy): void => dispatchPolicies.register(p.name, p);

define({
  name: 'jiq',
  description: 'Join-Idle-Queue, JIQ-SQ(d): a token if the I-queue has one, else a random server; idle servers place tokens at the shortest of d probed I-queues',
  tokens: true,
  picker: 'random',
  pickerD: 'none',
  engines: ['model', 'sim', 'cluster'],
});
define({
  name: 'jiq-pod',
  description: 'JIQ with a power-of-d fallback: with an empty I-queue, the shortest of --fallback-d probed servers',
  tokens: true,
  picker: 'shortest-of-d',
  pickerD: 'fallbackD',
  engines: ['sim', 'cluster'],
});
define({
  name: 'random',
  description: 'a uniformly random server (n independent M/G/1 queues under Poisson arrivals)',
  tokens: false,
  picker: 'random',
  pickerD: 'none',
  engines: ['sim', 'cluster'],
});
define({
  name: 'round-robin',
  description: 'each dispatcher cycles over the servers on its own',
  tokens: false,
  picker: 'round-robin',
  pickerD: 'none',
  engines: ['sim', 'cluster'],
});
define({
  name: 'jsq',
  description: 'join the shortest queue of all servers (ties at random); the cluster probes every server per job',
  tokens: false,
  picker: 'shortest',
  pickerD: 'none',
  engines: ['sim', 'cluster'],
});
define({
  name: 'jsq-d',
  description: 'power of d choices, JSQ(d): the shortest of --d servers probed per job (drawn with replacement)',
  tokens: false,
  picker: 'shortest-of-d',
  pickerD: 'd',
  engines: ['sim', 'cluster'],
});
define({
  name: 'jsq-d-stale',
  description: 'JSQ(d) on piggybacked lengths: the shortest of --d servers by the length each reported on its last result to this dispatcher, plus the jobs sent it since (stale, no probe round trip)',
  tokens: false,
  picker: 'shortest-of-d',
  pickerD: 'd',
  engines: ['cluster'],
  lengths: 'piggyback',
  variantOf: 'jsq-d',
});
define({
  name: 'jfsq',
  description: 'join the fastest of the shortest queues (heterogeneous speeds); the cluster probes every server per job',
  tokens: false,
  picker: 'fastest-shortest',
  pickerD: 'none',
  engines: ['sim', 'cluster'],
});

/** The policy registered under `name`; throws if none (callers validate names first). */
export function dispatchPolicy(name: string): DispatchPolicy {
  const p = dispatchPolicies.get(name);
  if (!p) throw new RangeError(`unknown dispatch policy "${name}"`);
  return p;
}
