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

/** Read the flag's help and the docs from one place. */
export const GIVE_UP_HELP = 'exit 1 when the broker (NATS) or every dispatcher has been unreachable this long (0 = never)';
export const DEFAULT_GIVE_UP_AFTER_MS = 15_000;

/**
 * A process whose broker or peers stay unreachable exits non-zero instead of retrying forever,
 * so a supervisor (compose's restart: on-failure, systemd, Kubernetes) sees it and acts.
 * `reachable` is polled; after `giveUpAfterMs` of false in a row the process closes (at most
 * 5 s) and exits 1, saying what it lost.
 */
export function exitWhenUnreachable(o: { reachable: () => boolean; giveUpAfterMs: number; what: () => string; close: () => Promise<void> }): void {
  if (o.giveUpAfterMs <= 0) return;
  let since: number | undefined;
  const timer = setInterval(() => {
    if (o.reachable()) {
      since = undefined;
      return;
    }
    since ??= performance.now();
    const down = performance.now() - since;
    if (down < o.giveUpAfterMs) return;
    clearInterval(timer);
    process.stderr.write(`jiq: error: ${o.what()} unreachable for ${Math.round(down)} ms (--give-up-after-ms ${o.giveUpAfterMs}); exiting\n`);
    const forced = setTimeout(() => process.exit(1), 5_000);
    forced.unref();
    void o.close().catch(() => undefined).then(() => process.exit(1));
  }, Math.min(250, Math.max(20, o.giveUpAfterMs / 4)));
  timer.unref();
}
