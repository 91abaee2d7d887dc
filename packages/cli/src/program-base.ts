import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { exitCodeFor, reportError } from './output';

// The program without its commands: bin.ts registers only the command it runs when that is a
// long-running process (worker, dispatcher), so such a process does not load the simulator, the
// model, the dashboard or the PNG renderer (docs/performance.md, start-up).

/** One runnable example per command, shown at the end of its --help. */
const EXAMPLES: Record<string, string[]> = {
  dispatcher: ['jiq dispatcher --port 7400 --metrics-port 9464', 'jiq dispatcher --transport nats --nats nats://127.0.0.1:4222 --redis redis://127.0.0.1:6379'],
  worker: [
    'jiq worker --dispatchers 127.0.0.1:7400 --slots 4 --handler ./handler.mjs --metrics-port 9465',
    'jiq worker --dispatchers 127.0.0.1:7400,127.0.0.1:7401 --d 2 --mean-service-ms 50   # synthetic jobs',
  ],
  cluster: [
    'jiq cluster --dispatchers 2 --workers 10 --lambda 0.8 --d 2 --duration 20',
    'jiq cluster --dispatchers 2 --workers 4 --lambda 0.7 --duration 60 --metrics-port 9464   # d0 :9464, d1 :9465, w0..w3 :9466..9469',
  ],
  load: ['jiq load --dispatchers 127.0.0.1:7400 --workers 4 --lambda 0.7 --duration 10 --json'],
  stats: ['jiq stats --redis redis://127.0.0.1:6379 --watch'],
  model: ['jiq model --policy withdraw --lambda 0.8 --r 5 --d 2'],
  sim: ['jiq sim --n 100 --m 5 --lambda 0.9 --d 2 --withdraw'],
  experiment: ['jiq experiment --workers 20 --dispatchers 4 --lambda 0.5,0.8 --d 2 --duration 20 --out reports/exp'],
};

/** The installed @jiq/cli version (dist/ sits next to package.json, in the repo and in the tarball). */
function cliVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The `jiq` program with `register` adding its commands, each with one-line errors and examples. */
export function programWith(registrations: readonly ((program: Command) => void)[]): Command {
  const program = new Command('jiq')
    .description('Join-Idle-Queue job dispatch: cluster, simulator and mean-field model')
    .version(cliVersion(), '-V, --version', 'print the jiq version')
    .exitOverride();
  oneLineErrors(program, 'jiq --help');
  for (const register of registrations) register(program);
  for (const cmd of program.commands) {
    oneLineErrors(cmd, `jiq ${cmd.name()} --help`);
    const examples = EXAMPLES[cmd.name()];
    if (examples) cmd.addHelpText('after', `\nExample${examples.length > 1 ? 's' : ''}:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  }
  return program;
}

/**
 * Commander's own errors (unknown option, missing required option, missing value) in jiq's
 * one-line style, `jiq: error: ...`, with where to look instead of the whole help.
 */
function oneLineErrors(cmd: Command, helpHint: string): void {
  cmd.configureOutput({
    outputError: (str, write) => write(`jiq: ${str.trim().replace(/\n+/g, ' ')} (see \`${helpHint}\`)\n`),
  });
}

/** Parses argv and runs the command; errors as one line and an exit code. */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
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
