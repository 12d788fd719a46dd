#!/usr/bin/env bash
# A grid as a Slurm job array: each array task runs one shard of the same command, then one
# `nrc merge` combines the shards (it refuses mismatched configurations and names missing cells).
#
#   sbatch --array=0-15 experiments/sweeps/slurm-array.sh
#   npx nrc merge results/figure1-shards/shard-* --out results/figure1-merged
#
# Shards are 0-based: task i of n runs every n-th cell starting at i. A task that was killed is
# resumed by resubmitting the same array index (finished cells are skipped).
#SBATCH --job-name=nrc-figure1
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=24:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?run this with sbatch --array=0-(n-1)}"
: "${SLURM_ARRAY_TASK_COUNT:?run this with sbatch --array=0-(n-1)}"
OUT=${OUT:-results/figure1-shards}
npx nrc run gaussian-mixture --preset paper \
  --lambda 1e-5,3e-5,1e-4,3e-4,1e-3,3e-3,1e-2,3e-2,1e-1 --sigma 0.01,0.03,0.1,0.3,1 \
  --threads "${SLURM_CPUS_PER_TASK:-2}" \
  --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" \
  --out "$OUT/shard-$SLURM_ARRAY_TASK_ID" "$@"
