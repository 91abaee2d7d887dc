import type { Prng } from '../random/prng';
import { Candidates } from './candidates';
import { dispatchPolicy } from './dispatch-policies';
import type { PolicyConfig } from './policy-config';
import { serverPickers, type ServerPicker } from './server-pickers';
import type { TokenQueue } from './token-queue';
import { tokenSelections, type TokenSelection } from './token-selection';

/**
 * The one routing decision of every engine (simulator and dispatcher): a token if the policy
 * uses tokens and the dispatcher's I-queue holds one, else the server picker. An engine that
 * must fetch queue lengths first asks `needsLengths`, draws `candidates`, fills their lengths
 * (the simulator from its state, the dispatcher by probing workers) and then calls `route`.
 * Between those steps a token may arrive at the dispatcher: `route` then uses it.
 */
export class Router {
  /** How the last `route` decided, and the epoch of the token it used. */
  byToken = false;
  epoch = 0;

  constructor(
    /** Null for token-less policies. */
    private readonly select: TokenSelection | null,
    readonly picker: ServerPicker,
    /** Where an engine gets the lengths the picker reads (see DispatchPolicy.lengths). */
    readonly lengthsFrom: 'probe' | 'piggyback' = 'probe',
  ) {}

  get usesTokens(): boolean {
    return this.select !== null;
  }

  /** True when the next route goes to the picker and the picker reads queue lengths. */
  needsLengths(queue: TokenQueue | null): boolean {
    return this.picker.reads !== 'none' && !(this.select !== null && queue !== null && queue.length > 0);
  }

  /** Draws the servers whose lengths the picker will read (see ServerPicker.candidates). */
  candidates(servers: number, rng: Prng, c: Candidates): void {
    this.picker.candidates(servers, rng, c);
  }

  /**
   * The server for a job: the token's server (byToken), else the picker's choice — an entry
   * of `c.ids` for pickers that read lengths, an index in [0, servers) for the others.
   */
  route(queue: TokenQueue | null, servers: number, rng: Prng, c: Candidates = NONE): number {
    if (this.select !== null && queue !== null && queue.length > 0) {
      const s = this.select(queue);
      this.byToken = true;
      this.epoch = queue.poppedEpoch;
      return s;
    }
    this.byToken = false;
    return this.picker.choose(servers, rng, c);
  }
}

const NONE = new Candidates(0);

/** Where a router runs: round-robin's start (a fraction of the servers) and the servers' speeds. */
export interface RouterEnv {
  start: number;
  speedOf(server: number): number;
}

/** The router of a resolved policy configuration (one per dispatcher: round-robin has state). */
export function createRouter(cfg: Pick<PolicyConfig, 'policy' | 'd' | 'fallbackD' | 'select'>, env: RouterEnv): Router {
  const policy = dispatchPolicy(cfg.policy);
  const makePicker = serverPickers.get(policy.picker);
  if (!makePicker) throw new RangeError(`policy ${policy.name}: no server picker "${policy.picker}"`);
  const d = policy.pickerD === 'd' ? cfg.d : policy.pickerD === 'fallbackD' ? cfg.fallbackD : 1;
  const picker = makePicker({ d, start: env.start });
  const select = policy.tokens ? tokenSelections.get(cfg.select)!(env) : null;
  return new Router(select, picker, policy.lengths ?? 'probe');
}
