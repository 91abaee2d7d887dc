import { dispatchPolicies, dispatchPolicy, type Engine } from '@jiq/core';
import type { Command } from 'commander';
import { printResult } from '../output';

export interface PolicyListing {
  name: string;
  engines: Engine[];
  description: string;
}

/** Every registered dispatch policy with the engines that run it (from @jiq/core's registry). */
export function listPolicies(): { policies: PolicyListing[] } {
  return {
    policies: dispatchPolicies.names().map((name) => {
      const p = dispatchPolicy(name);
      return { name, engines: [...p.engines], description: p.description };
    }),
  };
}

/** `jiq policies`: which policy runs where. */
export function registerPoliciesCommand(program: Command): void {
  program
    .command('policies')
    .description('list the dispatch policies and the engines (model, sim, cluster) that run each')
    .option('--json', 'print {"policies":[{"name","engines","description"}]}', false)
    .action((flags: { json: boolean }) => {
      const result = listPolicies();
      printResult(result, flags.json, () =>
        result.policies.map((p) => `${p.name.padEnd(12)} ${p.engines.join(',').padEnd(18)} ${p.description}`).join('\n'),
      );
    });
}
