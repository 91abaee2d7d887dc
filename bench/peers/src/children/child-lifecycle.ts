// The contract every bench child process keeps with the driver: one JSON ready line on stdout,
// and exit when the driver closes stdin (also if the driver dies) or sends SIGTERM/SIGINT.

export function announceReady(fields: Record<string, string | number>): void {
  process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid, ...fields })}\n`);
}

export function exitWithParent(close: () => Promise<void>): void {
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    // A close that hangs must not keep the process: the driver waits for the exit.
    setTimeout(() => process.exit(0), 3_000).unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

export function failed(err: unknown): never {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}
