#!/usr/bin/env python3
"""numpy reference timings for `npm run bench` (same names as nrc's benchmarks).

Run by test/bench/bench.ts when a python3 with numpy is available (Debian: apt-get install
python3-numpy libopenblas0-pthread), once per thread count because OpenBLAS reads its thread
count at import:  OPENBLAS_NUM_THREADS=2 python3 test/bench/numpy-reference.py 2
Prints one JSON object per line: {"name", "seconds", "gflops"}.
"""
import json
import sys
import time

import numpy as np

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
rng = np.random.default_rng(0)


def best(f, reps):
    f()  # warm-up
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def emit(name, seconds, flops=None):
    row = {"name": name, "seconds": seconds}
    if flops is not None:
        row["gflops"] = flops / seconds / 1e9
    print(json.dumps(row), flush=True)


for dtype, tag in ((np.float64, "f64"), (np.float32, "f32")):
    for m in (2000, 10000):
        a = rng.standard_normal((m, 784)).astype(dtype)
        b = rng.standard_normal((784, 400)).astype(dtype)
        emit(f"gemm_{tag}_{m}x784x400_t{threads}", best(lambda: a @ b, 5), 2 * m * 784 * 400)

a = rng.standard_normal((784, 400))
emit(f"svd_values_784x400_t{threads}", best(lambda: np.linalg.svd(a, compute_uv=False), 5))
emit(f"svd_thin_784x400_t{threads}", best(lambda: np.linalg.svd(a, full_matrices=False), 5))
c = rng.standard_normal((1000, 1000))
emit(f"svd_values_1000x1000_t{threads}", best(lambda: np.linalg.svd(c, compute_uv=False), 2))
emit(f"svd_thin_1000x1000_t{threads}", best(lambda: np.linalg.svd(c, full_matrices=False), 2))
e = rng.standard_normal((1000, 1000))
sym = e + e.T
emit(f"eig_sym_1000_t{threads}", best(lambda: np.linalg.eigh(sym), 2))
g = rng.standard_normal((4000, 4000))
spd = g @ g.T + 4000 * np.eye(4000)
emit(f"cholesky_f64_4000_t{threads}", best(lambda: np.linalg.cholesky(spd), 2), 4000 ** 3 / 3)


def autoencoder_step():
    """One full-batch loss + gradient of the NRC autoencoder (784-400-300-400-784, tanh, N=10000, Eq. 3)."""
    widths = [784, 400, 300, 400, 784]
    W = [rng.uniform(-1, 1, (o, i)) / np.sqrt(i) for i, o in zip(widths[:-1], widths[1:])]
    b = [np.zeros(o) for o in widths[1:]]
    X = rng.standard_normal((10000, 784))
    lam = 1e-3

    def step():
        zs = [X]
        for Wl, bl in zip(W, b):
            zs.append(np.tanh(zs[-1] @ Wl.T + bl))
        N = X.shape[0]
        loss = np.sum((zs[-1] - X) ** 2) / N + lam * sum(np.sum(w * w) + np.sum(v * v) for w, v in zip(W, b))
        delta = 2 * (zs[-1] - X) / N * (1 - zs[-1] ** 2)
        grads = []
        for l in range(len(W) - 1, -1, -1):
            grads.append((delta.T @ zs[l] + 2 * lam * W[l], delta.sum(0) + 2 * lam * b[l]))
            if l > 0:
                delta = (delta @ W[l]) * (1 - zs[l] ** 2)
        return loss, grads

    return step


emit(f"autoencoder_step_n10000_f64_t{threads}", best(autoencoder_step(), 3))
