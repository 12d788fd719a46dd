"""Timing helpers shared by numpy-reference.py and torch-reference.py: best-of-reps seconds and one JSON line per result."""
import json
import time


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
