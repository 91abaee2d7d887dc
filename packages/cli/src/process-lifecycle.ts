/**
 * Shutdown plumbing for long-running commands: SIGINT/SIGTERM run `close` once (a second
 * signal forces exit), and with `exitWithParent` the process also closes when its stdin ends,
 * so children of `jiq cluster` never outlive it, even if it is killed with SIGKILL.
 */
export function onShutdown(close: () => Promise<void>, options: { exitWithParent: boolean }): void {
  let stopping = false;
  const stop = (code: number) => () => {
    if (stopping) process.exit(code);
    stopping = true;
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`jiq: error while closing: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop(130));
  process.on('SIGTERM', stop(143));
  if (options.exitWithParent) {
    process.stdin.on('end', stop(0));
    process.stdin.on('error', stop(0));
    process.stdin.resume();
  }
}
