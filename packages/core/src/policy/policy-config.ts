import { choiceOf as oneOf, positiveInteger as positiveInt } from '../errors/config-checks';
import { JiqConfigError } from '../errors/errors';
import { DISPATCH_POLICIES, dispatchPolicy, type DispatchPolicyName } from './dispatch-policies';
import { probeModes, type ProbeMode } from './placement';
import { TOKEN_SELECTIONS, type TokenSelectionName } from './token-selection';

/**
 * `one`: the paper's rule, a server has at most one outstanding token (it places one on
 * becoming idle only if none is outstanding). `multi`: a token on every idle transition (at
 * most one per I-queue); only without withdrawals.
 */
export const TOKEN_RULES = ['one', 'multi'] as const;
export type TokenRule = (typeof TOKEN_RULES)[number];

export const PROBE_MODES = ['distinct', 'replace'] as const;

/** The policy options every engine accepts (the simulator, `jiq cluster`, the embedding API). */
export interface PolicyOptions {
  policy?: string;
  /** Dispatchers probed per token placement (jiq, jiq-pod); servers probed per job (jsq-d). */
  d?: number;
  probe?: string;
  select?: string;
  tokens?: string;
  /** Servers withdraw their token when another dispatcher gives them work. Default false. */
  withdraw?: boolean;
  /** d of jiq-pod's power-of-d fallback. Default 2. */
  fallbackD?: number;
}

export interface PolicyConfig {
  policy: DispatchPolicyName;
  usesTokens: boolean;
  d: number;
  probe: ProbeMode;
  select: TokenSelectionName;
  tokens: TokenRule;
  withdraw: boolean;
  fallbackD: number;
}

/** Where the policy runs: the number of servers and of dispatchers, when known. */
export interface PolicySystem {
  n?: number;
  m?: number;
}

/** How an engine names its fields in errors: `d` (API) or `--d` (CLI). */
export type FieldName = (option: keyof PolicyOptions) => string;
export const optionField: FieldName = (o) => o;
export const flagField: FieldName = (o) => `--${o.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Validates the policy options and fills the defaults, for every engine alike. Throws
 * JiqConfigError naming the field (as `name` spells it) and the rule.
 */
export function resolvePolicyConfig(o: PolicyOptions, system: PolicySystem = {}, name: FieldName = optionField): PolicyConfig {
  const policy = oneOf(name('policy'), o.policy, DISPATCH_POLICIES, 'jiq');
  const def = dispatchPolicy(policy);
  const usesTokens = def.tokens;
  // Power of d without tokens (jsq-d, jsq-d-stale) probes 2 servers by default.
  const d = positiveInt(name('d'), o.d ?? (!usesTokens && def.pickerD === 'd' ? 2 : 1));
  const probe = oneOf(name('probe'), o.probe, PROBE_MODES, 'distinct');
  if (!probeModes.get(probe)) throw new JiqConfigError(name('probe'), `must be one of ${probeModes.names().join(' | ')}`, probe);
  const select = oneOf(name('select'), o.select, TOKEN_SELECTIONS, 'fcfs');
  const tokens = oneOf(name('tokens'), o.tokens, TOKEN_RULES, 'one');
  if (o.withdraw !== undefined && typeof o.withdraw !== 'boolean') {
    throw new JiqConfigError(name('withdraw'), 'must be true or false', o.withdraw);
  }
  // Off by default in every engine: the paper's JIQ; withdrawals are the variant asked for.
  const withdraw = o.withdraw ?? false;
  const fallbackD = positiveInt(name('fallbackD'), o.fallbackD ?? 2);
  const { n, m } = system;
  if (usesTokens && probe === 'distinct' && m !== undefined && d > m) {
    throw new JiqConfigError(name('d'), `cannot probe ${d} distinct dispatchers out of m = ${m} (use ${name('probe')} replace)`, d);
  }
  if (!usesTokens && def.pickerD === 'd' && n !== undefined && d > n) throw new JiqConfigError(name('d'), `must be <= n = ${n}`, d);
  if (policy === 'jiq-pod' && n !== undefined && fallbackD > n) {
    throw new JiqConfigError(name('fallbackD'), `must be <= n = ${n}`, fallbackD);
  }
  if (tokens === 'multi' && withdraw) {
    throw new JiqConfigError(name('tokens'), 'the multi-token rule is defined without withdrawals (withdraw off)', tokens);
  }
  // An option that changes nothing for this policy is refused, not silently ignored.
  const ignored = (option: keyof PolicyOptions, rule: string, value: unknown): never => {
    throw new JiqConfigError(name(option), `${rule} (policy ${policy} does not use it)`, value);
  };
  if (!usesTokens && def.pickerD !== 'd' && d !== 1) ignored('d', 'applies to jiq, jiq-pod, jsq-d and jsq-d-stale', d);
  if (def.pickerD !== 'fallbackD' && fallbackD !== 2) ignored('fallbackD', 'applies to jiq-pod', fallbackD);
  if (!usesTokens && select !== 'fcfs') ignored('select', 'token selection applies to the jiq policies', select);
  if (!usesTokens && tokens !== 'one') ignored('tokens', 'the token rule applies to the jiq policies', tokens);
  if (!usesTokens && probe !== 'distinct') ignored('probe', 'the probe mode of token placement applies to the jiq policies', probe);
  return { policy, usesTokens, d, probe, select, tokens, withdraw, fallbackD };
}
