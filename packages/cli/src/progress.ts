import { SingleBar, Presets } from 'cli-progress';

/** A progress bar on stderr when it is a terminal and output is not --json; else silent. */
export function createProgress(enabled: boolean): { update(done: number, total: number, payload?: Record<string, unknown>): void; stop(): void; phase(text: string): void } {
  const tty = enabled && process.stderr.isTTY === true;
  let bar: SingleBar | undefined;
  return {
    phase(text) {
      if (!enabled) return;
      if (bar) {
        bar.stop();
        bar = undefined;
      }
      process.stderr.write(`jiq: ${text}\n`);
    },
    update(done, total, payload = {}) {
      if (!tty) return;
      if (!bar) {
        bar = new SingleBar(
          // The ETA is what is left of a known total (seconds of a timed phase): cli-progress's
          // own rate estimate printed "ETA NFs" before the first tick.
          { format: ' {bar} {percentage}% | ETA {remaining}s | {info}', stream: process.stderr, hideCursor: true },
          Presets.shades_classic,
        );
        bar.start(total, 0, { info: '', remaining: total });
      }
      bar.setTotal(total);
      bar.update(done, { ...payload, remaining: Math.max(0, Math.round(total - done)) });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
