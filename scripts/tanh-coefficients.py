#!/usr/bin/env python3
"""Coefficients of the small-argument tanh polynomial of src/linalg/wasm/assembly/elementwise.ts:
tanh(x) = x + x^3 R(x^2) on |x| < T, R fitted by least squares at Chebyshev nodes in s = x^2 / T^2
against tanh evaluated with 50-digit decimals. Prints the coefficients R_0..R_deg and the fit's
largest residual. Usage: python3 scripts/tanh-coefficients.py [T] [degree]   (defaults 0.4 9; f32: 0.4 4)"""
import sys
from decimal import Decimal, getcontext

import numpy as np

getcontext().prec = 50
T = float(sys.argv[1]) if len(sys.argv) > 1 else 0.4
deg = int(sys.argv[2]) if len(sys.argv) > 2 else 9


def tanh_decimal(x):
    e = (2 * Decimal(x)).exp()
    return (e - 1) / (e + 1)


npts = 400
k = np.arange(npts)
s = 0.5 * (1 - np.cos(np.pi * (k + 0.5) / npts))
x = np.sqrt(s * T * T)
target = np.array([float((tanh_decimal(float(v)) - Decimal(float(v))) / Decimal(float(v)) ** 3) for v in x])
V = np.vander(s, deg + 1, increasing=True)
c, *_ = np.linalg.lstsq(V, target, rcond=None)
print("max residual", np.max(np.abs(V @ c - target)))
for i, ci in enumerate(c / (T * T) ** np.arange(deg + 1)):
    print(f"R{i} = {float(ci)!r}")
