// CPU time of other processes from /proc/<pid>/stat (Linux): utime + stime, in ms.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc's utime/stime (getconf CLK_TCK; 100 on every Linux we know). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of `pid` in ms, or null when the process is gone or /proc is not there. */
export function cpuMs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return ((utime + stime) * 1_000) / clockTicks();
}

export type RolePids = Readonly<Record<string, number>>;

/** CPU ms of each role's process, read together (one snapshot of a measured window's edge). */
export function snapshot(pids: RolePids): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [role, pid] of Object.entries(pids)) out[role] = cpuMs(pid);
  return out;
}

/**
 * Per-role CPU ms per job between two snapshots, and their `total` (null where a process could
 * not be read, or no job completed).
 */
export function perJob(before: Record<string, number | null>, after: Record<string, number | null>, jobs: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  let total: number | null = 0;
  for (const role of Object.keys(before)) {
    const a = before[role];
    const b = after[role];
    const v = a == null || b == null || jobs === 0 ? null : (b - a) / jobs;
    out[role] = v;
    total = total === null || v === null ? null : total + v;
  }
  out.total = total;
  return out;
}
