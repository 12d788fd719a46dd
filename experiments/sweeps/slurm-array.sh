#!/usr/bin/env bash
# A grid as a Slurm job array: each array task runs one shard of the same `nrc run` command into
# its own directory, then one `nrc merge` combines the shards (it refuses mismatched configurations
# and names missing cells). Submit from the repository root (or set NRC to an nrc command):
#
#   sbatch --array=0-15 experiments/sweeps/slurm-array.sh                 # Figure 1 at the paper's size
#   npx nrc status results/figure1-shards/shard-*                         # progress, CPU time used and left
#   npx nrc merge results/figure1-shards/shard-* --out results/figure1-merged
#
#   OUT=results/svd-shards sbatch --array=0-3 experiments/sweeps/slurm-array.sh svd-demo --preset quick
#
# Arguments, if any, replace the experiment and its options (default: gaussian-mixture --preset
# paper on Figure 1's 9 x 5 grid); --shard and --out are added. OUT (default
# results/figure1-shards, or results/EXPERIMENT-shards with arguments) holds shard-0, shard-1, ...
# `nrc run NAME ... --dry-run` suggests the array size and the --time limit for a grid.
#
# Shards are 0-based: task i of n runs every n-th cell starting at i. A task that stops (time
# limit, preemption, node failure, `scontrol requeue JOBID_TASK`) runs again with the same shard
# and directory: finished cells are skipped, and a cell with a checkpoint continues from it.
#   --requeue            Slurm may requeue the task (node failure, preemption, scontrol requeue).
#   --signal=B:USR1@120  120 s before the time limit Slurm sends USR1 to this script (B: = the
#                        batch shell only); the script stops nrc with SIGTERM (nrc keeps every
#                        committed cell and checkpoints the running one where it can) and
#                        requeues the task, so a long grid continues in the next allocation.
# When Slurm itself ends the task (scancel, requeue, preemption) it sends SIGTERM to every process
# of the job, nrc included, and SIGKILL after KillWait (30 s by default).
#SBATCH --job-name=nrc-array
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=24:00:00
#SBATCH --requeue
#SBATCH --signal=B:USR1@120
#SBATCH --open-mode=append
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array=0-(n-1)}"
: "${SLURM_ARRAY_TASK_COUNT:?run this with sbatch --array=0-(n-1)}"
if [ $# -eq 0 ]; then
  set -- gaussian-mixture --preset paper \
    --lambda 1e-5,3e-5,1e-4,3e-4,1e-3,3e-3,1e-2,3e-2,1e-1 --sigma 0.01,0.03,0.1,0.3,1
  OUT=${OUT:-results/figure1-shards}
else
  OUT=${OUT:-results/$1-shards}
fi
if [ -z "${NRC:-}" ]; then
  if [ -f src/bin/nrc.js ]; then NRC="node src/bin/nrc.js"; else NRC=nrc; fi
fi
task="${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}_$SLURM_ARRAY_TASK_ID"
echo "nrc-array: task $task shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT start $(date -u +%FT%TZ) on $(hostname) restart ${SLURM_RESTART_COUNT:-0}" >&2

nrc_pid=''
near_limit=0
# USR1 (--signal=B:USR1@120): the time limit is near. Stop nrc now, then requeue below.
trap 'near_limit=1; [ -n "$nrc_pid" ] && kill -TERM "$nrc_pid" 2>/dev/null || true' USR1
# SIGTERM reaches nrc from Slurm directly; the script only waits for it to finish.
trap ':' TERM

# node runs nrc in the background so that the traps run while it works (bash defers traps during a foreground child).
$NRC run "$@" --threads "${SLURM_CPUS_PER_TASK:-2}" \
  --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" --out "$OUT/shard-$SLURM_ARRAY_TASK_ID" &
nrc_pid=$!
while :; do
  wait "$nrc_pid" && status=0 || status=$?
  kill -0 "$nrc_pid" 2>/dev/null || break # wait returned for a trapped signal: nrc is still running
done
echo "nrc-array: task $task nrc exited with $status $(date -u +%FT%TZ)" >&2
if [ "$near_limit" = 1 ]; then
  echo "nrc-array: task $task requeued before its time limit" >&2
  scontrol requeue "$task"
fi
exit "$status"
