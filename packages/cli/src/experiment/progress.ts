import { Presets, SingleBar } from 'cli-progress';

export interface ExperimentProgress {
  /** Point i (0-based) of total is at fraction f of its run. */
  point(i: number, f: number, info: string): void;
  line(text: string): void;
  stop(): void;
}

/** A cli-progress bar with ETA over all points; quiet under --json or when stderr is not a TTY. */
export function experimentProgress(total: number, json: boolean): ExperimentProgress {
  const tty = !json && process.stderr.isTTY === true;
  const bar = tty
    ? new SingleBar(
        { format: ' {bar} {percentage}% | ETA {eta_formatted} | point {point}/{total_points} {info}', stream: process.stderr, hideCursor: true, etaBuffer: 50 },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(total * 100, 0, { point: 1, total_points: total, info: '' });
  return {
    point(i, f, info) {
      bar?.update(Math.round(100 * (i + Math.min(1, Math.max(0, f)))), { point: i + 1, total_points: total, info });
    },
    line(text) {
      if (json) return;
      if (bar) bar.stop();
      process.stderr.write(`jiq: ${text}\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}
