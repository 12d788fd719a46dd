#!/bin/sh
# Baselines for `npm run bench` (not needed by `npm test`): numpy and PyTorch (CPU) on Debian's
# /usr/bin/python3, both on the threaded OpenBLAS. Without libopenblas0-pthread Debian's torch
# and numpy fall back to the reference BLAS (~3 GFLOP/s), which makes every ratio meaningless.
# Run as root:  npm run bench:deps
set -e
apt-get update
apt-get install -y python3-numpy python3-torch libopenblas0-pthread
/usr/bin/python3 -c 'import numpy, torch; print("numpy", numpy.__version__, "torch", torch.__version__)'
