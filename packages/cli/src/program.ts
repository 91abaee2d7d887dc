import type { Command } from 'commander';
import { registerClusterCommand } from './commands/cluster';
import { registerDashboardCommand } from './commands/dashboard';
import { registerDispatcherCommand } from './commands/dispatcher';
import { registerLoadCommand } from './commands/load';
import { registerExperimentCommand } from './commands/experiment';
import { registerModelCommand } from './commands/model';
import { registerPoliciesCommand } from './commands/policies';
import { registerSimCommand } from './commands/sim';
import { registerStatsCommand } from './commands/stats';
import { registerWorkerCommand } from './commands/worker';
import { programWith, runProgram } from './program-base';

/** Each command lives in its own module under commands/ and registers itself here. */
const registrations: ((program: Command) => void)[] = [
  registerDispatcherCommand,
  registerWorkerCommand,
  registerClusterCommand,
  registerLoadCommand,
  registerStatsCommand,
  registerDashboardCommand,
  registerModelCommand,
  registerSimCommand,
  registerExperimentCommand,
  registerPoliciesCommand,
];

export function buildProgram(): Command {
  return programWith(registrations);
}

export async function runCli(argv: string[]): Promise<void> {
  await runProgram(buildProgram(), argv);
}
