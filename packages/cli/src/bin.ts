#!/usr/bin/env node
import type { Command } from 'commander';

/**
 * The long-running processes `jiq cluster` starts by the dozen load only their own command:
 * the whole program (simulator, model, dashboard, PNG renderer, progress bars) cost ~0.1-0.2 s
 * of CPU per process, which 55 processes starting at once on two cores could not afford
 * (docs/performance.md, start-up). Every other invocation builds the whole program.
 */
const LEAN_COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  worker: async () => (await import('./commands/worker.js')).registerWorkerCommand,
  dispatcher: async () => (await import('./commands/dispatcher.js')).registerDispatcherCommand,
};

async function main(argv: string[]): Promise<void> {
  const lean = LEAN_COMMANDS[argv[2] ?? ''];
  if (lean) {
    const [{ programWith, runProgram }, register] = await Promise.all([import('./program-base.js'), lean()]);
    await runProgram(programWith([register]), argv);
    return;
  }
  const { runCli } = await import('./program.js');
  await runCli(argv);
}

void main(process.argv);
