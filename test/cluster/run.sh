#!/usr/bin/env bash
# npm run test:cluster: experiments/sweeps/slurm-array.sh under a real single-node Slurm.
#  1. start Slurm (scripts/slurm/local-slurm.sh; installs slurm-wlm and munge when missing, as root)
#  2. submit a 2-task array of a small gaussian-mixture grid (4 cells, about a minute of CPU)
#  3. while task 1 is inside a cell, `scontrol requeue JOBID_1`; the task runs again and resumes
#  4. wait for the array; `nrc status` must count every cell done
#  5. `nrc merge` the shards and compare every table byte for byte with a single-process `nrc run`
#     of the same grid (wall-clock `seconds` columns excepted)
#  6. if nrc has --checkpoint-every, the requeued task must have resumed its cell from a checkpoint
# Slurm is stopped at the end whatever happens. KEEP=1 keeps the work directory for inspection.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)
t0=$(date +%s)
state=$(mktemp -d /tmp/nrc-slurm.XXXXXX)
work=$(mktemp -d /tmp/nrc-cluster.XXXXXX)
nrc() { node "$repo/src/bin/nrc.js" "$@"; }
say() { echo "test:cluster: $*" >&2; }
failures=0
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then say "ok   $what"; else say "FAIL $what"; failures=$((failures + 1)); fi
}
cleanup() {
  scripts/slurm/local-slurm.sh stop "$state" || true
  if [ "${KEEP:-0}" = 1 ]; then say "kept $work and $state"; else rm -rf "$work" "$state"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# poll SECONDS DESCRIPTION COMMAND...: run COMMAND every second until it succeeds.
poll() {
  local limit=$1 what=$2; shift 2
  local i
  for ((i = 0; i < limit; i++)); do
    if "$@"; then return 0; fi
    sleep 1
  done
  say "timed out after ${limit} s waiting for $what"
  return 1
}

scripts/slurm/local-slurm.sh start "$state" || { say "FAIL could not start Slurm"; echo "0 passed, 1 failed"; exit 1; }
# shellcheck disable=SC1091
source "$state/env.sh"

grid=(gaussian-mixture --n 2000 --dim 32 --hidden 32,24,32 --lambda 1e-2,3e-2 --sigma 0.1,0.2 --no-plot)
shards="$work/shards"
job=$(OUT=$shards sbatch --parsable --array=0-1 --cpus-per-task=1 --mem=1G --time=20 \
  --output="$work/slurm-%A_%a.out" experiments/sweeps/slurm-array.sh "${grid[@]}") || { say "FAIL sbatch"; exit 1; }
job=${job%%;*}
say "submitted array job $job: ${grid[*]}"

journal_lines() { if [ -f "$1/journal.jsonl" ]; then wc -l <"$1/journal.jsonl"; else echo 0; fi; }
task_running() { [ "$(squeue -h -j "${job}_1" -o %T 2>/dev/null)" = RUNNING ]; }
# Inside a cell: the task runs, its store is open and not all of its 2 cells are committed.
in_cell() { task_running && [ -f "$shards/shard-1/manifest.json" ] && [ "$(journal_lines "$shards/shard-1")" -lt 2 ]; }
array_done() { [ -z "$(squeue -h -j "$job" 2>/dev/null)" ]; }

requeued=0
if poll 300 "task 1 to start a cell" in_cell; then
  sleep 3 # well inside the cell (shard 1's first cell takes about 30 s on one core)
  committed=$(journal_lines "$shards/shard-1")
  if in_cell && scontrol requeue "${job}_1"; then
    requeued=1
    say "requeued ${job}_1 with $committed of 2 cells committed"
  fi
fi
check "task 1 requeued while a cell was running" [ "$requeued" = 1 ]
poll 900 "the array to finish" array_done || scancel "$job"

out0=$(ls "$work"/slurm-*_0.out 2>/dev/null | head -1)
out1=$(ls "$work"/slurm-*_1.out 2>/dev/null | head -1)
for f in "$out0" "$out1"; do [ -n "$f" ] && { echo "---- $f"; cat "$f"; } >&2; done
last_exit() { grep -o 'nrc exited with [0-9]*' "$1" 2>/dev/null | tail -1 | grep -o '[0-9]*$'; }
check "task 0 ended with exit code 0" [ "$(last_exit "$out0")" = 0 ]
check "task 1 ended with exit code 0" [ "$(last_exit "$out1")" = 0 ]
check "task 1 ran twice (restart 1 after the requeue)" grep -q 'restart 1' "$out1"
if [ "${committed:-0}" -gt 0 ]; then check "task 1 skipped its committed cell on restart" grep -q 'Resuming .*: 1 of 2 cells already done' "$out1"; fi
if nrc run gaussian-mixture --help 2>/dev/null | grep -q -- '--checkpoint-every'; then
  check "task 1 resumed its cell from a checkpoint" grep -Eq 'resuming .* from checkpoint' "$out1"
else
  say "skip checkpoint resume check: this nrc has no --checkpoint-every (the requeued cell restarted from scratch)"
fi

status_json=$(nrc status --json "$shards"/shard-*) || say "nrc status exited $?"
echo "$status_json" >&2
check "nrc status counts 4 cells done, none left" node -e '
  const s = JSON.parse(process.argv[1]);
  process.exit(s.total.done === 4 && s.total.remaining === 0 && s.total.failed === 0 && s.total.running === 0 ? 0 : 1);' "$status_json"

check "nrc merge of the shards" nrc merge "$shards"/shard-* --out "$work/merged" --no-plot -q
say "single-process run of the same grid"
check "single-process nrc run" nrc run "${grid[@]}" --threads 2 -q --out "$work/single"
check "merged tables equal the single-process run byte for byte (seconds columns excepted)" \
  node src/bin/run-ts.js test/cluster/compare.ts "$work/single" "$work/merged"

say "wall time $(( $(date +%s) - t0 )) s"
if [ "$failures" -eq 0 ]; then say "passed"; exit 0; fi
say "$failures check(s) failed (logs: $state/log)"
KEEP=${KEEP:-1}
exit 1
