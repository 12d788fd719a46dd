#!/usr/bin/env python3
"""PyTorch (CPU) reference timings for `npm run bench`, under the same names as nrc's benchmarks
and numpy-reference.py.

Run by test/bench/bench.ts when /usr/bin/python3 (or python3) can `import torch` (Debian:
`npm run bench:deps`, i.e. apt-get install python3-torch), once per thread count:
    python3 test/bench/torch-reference.py 2
Prints one JSON object per line: {"name", "seconds", "gflops"}.  --no-torch in the bench skips it.
"""
import sys

import torch
from bench_common import best, emit

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
only = set(sys.argv[2:]) or None  # the bench's name filters, as numpy-reference.py takes them
torch.set_num_threads(threads)
torch.manual_seed(0)


def want(name):
    return only is None or any(f in name for f in only)




DT = {"f64": torch.float64, "f32": torch.float32}

with torch.no_grad():
    for tag, dtype in DT.items():
        for m in (2000, 10000):
            name = f"gemm_{tag}_{m}x784x400_t{threads}"
            if not want(name):
                continue
            a = torch.randn(m, 784, dtype=dtype)
            b = torch.randn(784, 400, dtype=dtype)
            emit(name, best(lambda: a @ b, 5), 2 * m * 784 * 400)

    a = torch.randn(784, 400, dtype=torch.float64)
    if want("svd_values_784x400"):
        emit(f"svd_values_784x400_t{threads}", best(lambda: torch.linalg.svdvals(a), 5))
    if want("svd_thin_784x400"):
        emit(f"svd_thin_784x400_t{threads}", best(lambda: torch.linalg.svd(a, full_matrices=False), 5))
    c = torch.randn(1000, 1000, dtype=torch.float64)
    if want("svd_values_1000x1000"):
        emit(f"svd_values_1000x1000_t{threads}", best(lambda: torch.linalg.svdvals(c), 2))
    if want("svd_thin_1000x1000"):
        emit(f"svd_thin_1000x1000_t{threads}", best(lambda: torch.linalg.svd(c, full_matrices=False), 2))
    if want("eig_sym_1000"):
        e = torch.randn(1000, 1000, dtype=torch.float64)
        sym = e + e.T
        emit(f"eig_sym_1000_t{threads}", best(lambda: torch.linalg.eigh(sym), 2))
    if want("cholesky_f64_4000"):
        g = torch.randn(4000, 4000, dtype=torch.float64)
        spd = g @ g.T + 4000 * torch.eye(4000, dtype=torch.float64)
        emit(f"cholesky_f64_4000_t{threads}", best(lambda: torch.linalg.cholesky(spd), 2), 4000 ** 3 / 3)


def autoencoder_step(dtype):
    """One full-batch loss + gradient (autograd) of the NRC autoencoder 784-400-300-400-784, tanh,
    N = 10000, squared loss / N + weight decay 1e-3 on weights and biases (as nrc's bench)."""
    widths = [784, 400, 300, 400, 784]
    W = [((torch.rand(o, i, dtype=dtype) * 2 - 1) / i ** 0.5).requires_grad_() for i, o in zip(widths[:-1], widths[1:])]
    b = [torch.zeros(o, dtype=dtype, requires_grad=True) for o in widths[1:]]
    X = torch.randn(10000, 784, dtype=dtype)
    Y = torch.randn(10000, 784, dtype=dtype)
    lam = 1e-3
    params = W + b

    def step():
        z = X
        for Wl, bl in zip(W, b):
            z = torch.tanh(torch.addmm(bl, z, Wl.T))
        loss = ((z - Y) ** 2).sum() / X.shape[0] + lam * sum((p * p).sum() for p in params)
        return torch.autograd.grad(loss, params)

    return step


for tag, dtype in DT.items():
    name = f"autoencoder_step_n10000_{tag}_t{threads}"
    if want(name):
        emit(name, best(autoencoder_step(dtype), 3))


def mlp_sgd_epoch(dtype):
    """One SGD epoch (batch 128, lr 0.05, momentum 0.9) of the AGOP paper's MLP: 784-512x5-10, ReLU, no bias,
    MSE on one-hot targets, 10,000 samples (random inputs of MNIST's shape: the time does not depend on them)."""
    widths = [784, 512, 512, 512, 512, 512, 10]
    layers = []
    for l in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[l], widths[l + 1], bias=False))
        if l + 2 < len(widths):
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(dtype)
    X = torch.rand(10000, 784, dtype=dtype)
    Y = torch.nn.functional.one_hot(torch.randint(0, 10, (10000,)), 10).to(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def epoch():
        perm = torch.randperm(X.shape[0])
        for s in range(0, X.shape[0], 128):
            idx = perm[s:s + 128]
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(X[idx]), Y[idx])
            loss.backward()
            opt.step()

    return epoch


for tag, dtype in DT.items():
    name = f"mlp_sgd_epoch_mnist10000_{tag}_t{threads}"
    if want(name):
        emit(name, best(mlp_sgd_epoch(dtype), 2))
