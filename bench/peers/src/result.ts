// The one object a run produces: what --json prints, what --from reads back, what reports render.
import type { PeersOptions } from './options';
import type { Ratios } from './ratios';
import type { ClosedRow, OpenRow } from './run';

export interface PeersResult {
  readonly rows: ClosedRow[];
  readonly openLoop: OpenRow[];
  readonly ratios: Ratios;
  /** The OS pids of every system's processes, by role. */
  readonly processes: Record<string, Record<string, number>>;
  readonly meta: {
    readonly startedAt: string;
    readonly durationSec: number;
    readonly loadAverage: { readonly start: number[]; readonly end: number[] };
    readonly cpus: number;
    readonly node: string;
    readonly versions: Record<string, string | null>;
    readonly options: PeersOptions;
  };
}
