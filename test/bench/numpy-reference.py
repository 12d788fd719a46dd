#!/usr/bin/env python3
"""numpy reference timings for `npm run bench` (same names as nrc's benchmarks).

Run by test/bench/bench.ts when a python3 with numpy is available (Debian: apt-get install
python3-numpy libopenblas0-pthread), once per thread count because OpenBLAS reads its thread
count at import:  OPENBLAS_NUM_THREADS=2 python3 test/bench/numpy-reference.py 2
Prints one JSON object per line: {"name", "seconds", "gflops"}.
"""
import sys

import numpy as np
from bench_common import best, emit

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
filters = sys.argv[2:]  # the bench's name filters: only matching sections run
rng = np.random.default_rng(0)


def want(prefix):
    return not filters or any(f.startswith(prefix) or prefix.startswith(f) or f in prefix for f in filters)




for dtype, tag in ((np.float64, "f64"), (np.float32, "f32")) if want("gemm_") else ():
    for m in (2000, 10000):
        a = rng.standard_normal((m, 784)).astype(dtype)
        b = rng.standard_normal((784, 400)).astype(dtype)
        emit(f"gemm_{tag}_{m}x784x400_t{threads}", best(lambda: a @ b, 5), 2 * m * 784 * 400)

if want("svd_") or want("cholesky_"):
  a = rng.standard_normal((784, 400))
  emit(f"svd_values_784x400_t{threads}", best(lambda: np.linalg.svd(a, compute_uv=False), 5))
  emit(f"svd_thin_784x400_t{threads}", best(lambda: np.linalg.svd(a, full_matrices=False), 5))
  c = rng.standard_normal((1000, 1000))
  emit(f"svd_values_1000x1000_t{threads}", best(lambda: np.linalg.svd(c, compute_uv=False), 2))
  emit(f"svd_thin_1000x1000_t{threads}", best(lambda: np.linalg.svd(c, full_matrices=False), 2))
  g = rng.standard_normal((4000, 4000))
  spd = g @ g.T + 4000 * np.eye(4000)
  emit(f"cholesky_f64_4000_t{threads}", best(lambda: np.linalg.cholesky(spd), 2), 4000 ** 3 / 3)


for n in (200, 500, 1000) if want("eig_sym_") else ():
  e = rng.standard_normal((n, n))
  sym = e + e.T
  emit(f"eig_sym_{n}_t{threads}", best(lambda: np.linalg.eigh(sym), 5 if n < 1000 else 2))


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


if want("autoencoder_step_"):
    emit(f"autoencoder_step_n10000_f64_t{threads}", best(autoencoder_step(), 3))


def analyze(N, d, K):
    """The NC metrics of `nrc analyze --tcv classes` on float32 features (computed in float64, as nrc does):
    class means, tr Sigma_W, nc1 (top K-1 eigenpairs of Sigma_B through the K x K Gram), nc1_trace, cdnv, nc2_etf,
    nc2_gram, nc3, NCC accuracy, NC4, classifier ETF error, self-duality, equinorm, equiangularity, GNC2, UNC3."""
    labels = rng.integers(0, K, N)
    X = (rng.standard_normal((K, d))[labels] + rng.standard_normal((N, d))).astype(np.float32)
    W = rng.standard_normal((K, d))
    b = rng.standard_normal(K)

    def run():
        X64 = X.astype(np.float64)
        counts = np.bincount(labels, minlength=K).astype(np.float64)
        means = np.zeros((K, d))
        np.add.at(means, labels, X64)
        means /= counts[:, None]
        within = X64 - means[labels]
        trW = np.sum(within * within) / N
        mu = counts @ means / N
        C = means - mu
        G = C @ C.T / K
        lam, U = np.linalg.eigh(G)
        lam, U = lam[::-1][: K - 1], U[:, ::-1][:, : K - 1]
        V = C.T @ (U / np.sqrt(K * lam))
        P = within @ V
        q = np.zeros((K, K - 1))
        np.add.at(q, labels, P * P)
        nc1 = np.sum(q / lam) / N / K
        nc1_trace = trW / np.trace(G)
        Vk = np.bincount(labels, weights=np.sum(within * within, 1), minlength=K) / counts
        D2 = np.sum((means[:, None, :] - means[None, :, :]) ** 2, -1)
        iu = np.triu_indices(K, 1)
        cdnv = np.mean((Vk[:, None] + Vk[None, :])[iu] / (2 * D2[iu]))
        Cg = means - means.mean(0)
        ideal = (np.eye(K) - 1 / K) / np.sqrt(K - 1)
        Gg = Cg @ Cg.T
        nc2 = np.linalg.norm(Gg / np.linalg.norm(Gg) - ideal)
        Un = Cg / np.linalg.norm(Cg, axis=1, keepdims=True)
        cos = Un @ Un.T
        nc2g = np.linalg.norm(cos - (np.eye(K) * (1 + 1 / (K - 1)) - 1 / (K - 1)))
        WM = W @ Cg.T
        nc3 = np.linalg.norm(WM / np.linalg.norm(WM) - ideal)
        ncc = np.argmin(np.sum(means * means, 1) - 2 * X64 @ means.T, 1)
        acc = np.mean(ncc == labels)
        nc4 = np.mean(ncc != np.argmax(X64 @ W.T + b, 1))
        WW = W @ W.T
        wetf = np.linalg.norm(WW / np.linalg.norm(WW) - ideal)
        sd = np.linalg.norm(W / np.linalg.norm(W) - Cg / np.linalg.norm(Cg))
        n = np.linalg.norm(Cg, axis=1)
        eqn = n.std() / n.mean()
        sh = cos[iu] + 1 / (K - 1)
        gnc2 = np.mean(-0.5 * np.log(np.maximum(2 - 2 * cos[iu], 0)))
        unc3 = np.var(np.sum(W * Cg, 1) / (np.linalg.norm(W, axis=1) * n))
        return nc1, nc1_trace, cdnv, nc2, nc2g, nc3, acc, nc4, wetf, sd, eqn, sh.std(), sh.mean(), gnc2, unc3

    return run


for K in (10, 100):
    if want(f"analyze_n50000_d512_k{K}"):
        emit(f"analyze_n50000_d512_k{K}_t{threads}", best(analyze(50000, 512, K), 2))
