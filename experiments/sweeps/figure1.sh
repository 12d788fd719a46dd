#!/usr/bin/env bash
# Figure 1 of Neural Rank Collapse at the paper's size: one `nrc run` process per lambda, so the
# grid can be split across machines (run a subset of lambdas on each: LAMBDAS="1e-3 1e-2" ...).
# Every process writes its own directory; `nrc merge` is not needed because each is a complete
# run of its own (lambda, sigma) sub-grid, and `nrc plot` draws each. Resumes where it stopped.
#
#   experiments/sweeps/figure1.sh                  # all lambdas, one after another
#   LAMBDAS="1e-4 1e-3" experiments/sweeps/figure1.sh
#   parallel -j2 LAMBDAS={} experiments/sweeps/figure1.sh ::: 1e-5 1e-4 1e-3 1e-2 1e-1
set -euo pipefail
LAMBDAS=${LAMBDAS:-"1e-5 3e-5 1e-4 3e-4 1e-3 3e-3 1e-2 3e-2 1e-1"}
SIGMAS=${SIGMAS:-"0.01,0.03,0.1,0.3,1"}
OUT=${OUT:-results/figure1}
NRC=${NRC:-npx nrc}
for lambda in $LAMBDAS; do
  $NRC run gaussian-mixture --preset paper --lambda "$lambda" --sigma "$SIGMAS" \
    --out "$OUT/lambda-$lambda" "$@"
done
