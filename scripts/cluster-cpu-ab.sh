#!/usr/bin/env bash
# Same-run A/B of the cluster's CPU per job: this checkout against an older commit, run
# alternately so that both see the same host. The host's speed moves by 15% or more within an
# hour here, so a figure measured on another day is no baseline.
#
# usage: scripts/cluster-cpu-ab.sh <commit> [pairs] [-- jiq cluster flags]
#   e.g. scripts/cluster-cpu-ab.sh 0a077eb 3
#        scripts/cluster-cpu-ab.sh 0a077eb 2 -- --dispatchers 3 --workers 12 --lambda 0.7 --d 1 --mean-service-ms 20
# The old commit is built once in $TMPDIR/jiq-ab-<sha> (a git worktree; npm ci there). It must
# export runCluster with the onPhase/afterLoad hooks (every commit from 0a077eb on does).
# Default flags: the issue-9 point (3 dispatchers, 12 workers, lambda 0.7, d 2, no withdrawals,
# LCFS, 20 ms jobs, 20 s).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
base="${1:?usage: scripts/cluster-cpu-ab.sh <commit> [pairs] [-- jiq cluster flags]}"
shift
pairs=3
if [[ $# -gt 0 && "$1" != "--" ]]; then
  pairs="$1"
  shift
fi
if [[ $# -gt 0 ]]; then
  if [[ "$1" != "--" ]]; then
    echo "cluster-cpu-ab: expected '--' before the jiq cluster flags, got '$1'" >&2
    exit 2
  fi
  shift
fi
flags=("$@")
if [[ ${#flags[@]} -eq 0 ]]; then
  flags=(--dispatchers 3 --workers 12 --lambda 0.7 --d 2 --no-withdraw --select lcfs --mean-service-ms 20 --duration 20)
fi
if ! [[ "$pairs" =~ ^[1-9][0-9]?$ ]]; then
  echo "cluster-cpu-ab: pairs must be an integer in [1, 99], got '$pairs'" >&2
  exit 2
fi

sha="$(git -C "$here" rev-parse --verify --quiet "$base^{commit}")" || {
  echo "cluster-cpu-ab: '$base' is not a commit of this repository" >&2
  exit 2
}
dir="${TMPDIR:-/tmp}/jiq-ab-${sha:0:12}"
if [[ ! -f "$dir/.ab-built" ]]; then
  echo "cluster-cpu-ab: building ${sha:0:12} in $dir (once)" >&2
  git -C "$here" worktree add --force --detach "$dir" "$sha" >&2
  (cd "$dir" && npm ci --no-audit --no-fund >&2)
  touch "$dir/.ab-built"
fi
# The measuring script is today's, so both sides are measured the same way.
mkdir -p "$dir/packages/cli/bench"
cp "$here/packages/cli/bench/cluster-cpu.cjs" "$dir/packages/cli/bench/cluster-cpu.cjs"

run() {
  local label="$1" root="$2" out err
  err="$(mktemp)"
  out="$(cd "$root" && node packages/cli/bench/cluster-cpu.cjs "${flags[@]}" 2>"$err")" || {
    echo "cluster-cpu-ab: the run of '$label' failed:" >&2
    tail -n 20 "$err" >&2
    rm -f "$err"
    exit 1
  }
  rm -f "$err"
  node -e '
    const [label, json] = process.argv.slice(1);
    const r = JSON.parse(json);
    const f = (x) => x.toFixed(3);
    const w = r.wakeUpsPerJobByRole;
    console.log([label, f(r.clusterCpuMsPerJob), f(r.cpuMsPerJobByRole.dispatcher), f(r.cpuMsPerJobByRole.worker), f(w.dispatcher), f(w.worker), f(r.q0), r.loadAverage.split(" ")[0]].join("\t"));
  ' "$label" "$out"
}

echo -e "side\tms/job\tdispatchers\tworkers\twake-ups/job dispatchers\tworkers\tq0\tload"
results="$(mktemp)"
for ((i = 1; i <= pairs; i++)); do
  run "base ${sha:0:7}" "$dir" | tee -a "$results"
  run "this checkout" "$here" | tee -a "$results"
done
node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split("\t"));
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const k = s.length >> 1; return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2; };
  const by = (side) => rows.filter((r) => r[0] === side).map((r) => Number(r[1]));
  const b = median(by(rows[0][0]));
  const t = median(by("this checkout"));
  console.log(`median CPU ms per job: base ${b.toFixed(3)}, this checkout ${t.toFixed(3)}, ratio ${(t / b).toFixed(3)}`);
' "$results"
rm -f "$results"
