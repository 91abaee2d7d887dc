import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerClusterCommand } from './commands/cluster';
import { registerDashboardCommand } from './commands/dashboard';
import { registerDispatcherCommand } from './commands/dispatcher';
import { registerLoadCommand } from './commands/load';
import { registerExperimentCommand } from './commands/experiment';
import { registerModelCommand } from './commands/model';
import { registerSimCommand } from './commands/sim';
import { registerStatsCommand } from './commands/stats';
import { registerWorkerCommand } from './commands/worker';
import { exitCodeFor, reportError } from './output';

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
];

/** The installed @jiq/cli version (dist/ sits next to package.json, in the repo and in the tarball). */
function cliVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('jiq')
    .description('Join-Idle-Queue job dispatch: cluster, simulator and mean-field model')
    .version(cliVersion(), '-V, --version', 'print the jiq version')
    .showHelpAfterError()
    .exitOverride();
  for (const register of registrations) register(program);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help/version print and exit 0; anything else (unknown flag, missing value) is bad input
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    reportError(err);
    process.exitCode = exitCodeFor(err);
  }
}
