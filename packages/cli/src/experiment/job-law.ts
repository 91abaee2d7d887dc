/**
 * The job-size law of a --jobs spec written out for a plot's caption (every law has mean 1).
 * Text only: the spec itself was validated by @jiq/core's parser before the run.
 */
export function jobLawText(spec: string): string {
  const [kind, ...args] = spec.trim().split(':');
  switch (kind) {
    case 'exp':
      return 'exponential job sizes (mean 1)';
    case 'det':
      return 'deterministic job sizes (all 1)';
    case 'hyperexp':
      return `hyperexponential job sizes (mean 1, SCV ${args[0]}, F ${args[1]}${args[2] === 'alt' ? ', alternative fit' : ''})`;
    case 'erlang':
      return `Erlang-${args[0]} job sizes (mean 1, SCV 1/${args[0]})`;
    case 'lognormal':
      return `lognormal job sizes (mean 1, SCV ${args[0]})`;
    case 'pareto':
      return `Pareto job sizes (mean 1, α ${args[0]})`;
    case 'ph':
      return `phase-type job sizes from ${args.join(':')} (mean 1)`;
    case 'trace':
      return `job sizes replayed from ${args.join(':')} (mean 1)`;
    default:
      return `job sizes ${spec}`;
  }
}
