// Batch normalisation after a linear layer (Ioffe & Szegedy; PyTorch BatchNorm1d semantics: biased batch
// variance to normalise, unbiased variance in the running estimate, momentum 0.1, eps 1e-5).
export interface BatchnormState {
  runningMean: Float64Array;
  runningVar: Float64Array;
}

export interface BatchnormCache {
  /** per-feature 1/sqrt(var + eps) used in the last forward */
  invStd: Float64Array;
  mean: Float64Array;
}

/**
 * h = gamma * (a - mu) / sqrt(var + eps) + beta, column-wise on an n x d row-major buffer.
 * Writes xhat and h; in train mode uses batch statistics and updates the running ones.
 */
export function batchnormForward(
  a: Float64Array,
  n: number,
  d: number,
  gamma: Float64Array,
  beta: Float64Array,
  state: BatchnormState,
  cache: BatchnormCache,
  xhat: Float64Array,
  h: Float64Array,
  train: boolean,
  momentum: number,
  eps: number,
  updateRunning: boolean,
): void {
  const { mean, invStd } = cache;
  if (train) {
    mean.fill(0);
    for (let i = 0; i < n; i++) {
      const off = i * d;
      for (let j = 0; j < d; j++) mean[j] += a[off + j];
    }
    for (let j = 0; j < d; j++) mean[j] /= n;
    invStd.fill(0); // accumulate variance first
    for (let i = 0; i < n; i++) {
      const off = i * d;
      for (let j = 0; j < d; j++) {
        const r = a[off + j] - mean[j];
        invStd[j] += r * r;
      }
    }
    for (let j = 0; j < d; j++) {
      const v = invStd[j] / n;
      if (updateRunning) {
        state.runningMean[j] = (1 - momentum) * state.runningMean[j] + momentum * mean[j];
        state.runningVar[j] = (1 - momentum) * state.runningVar[j] + momentum * (n > 1 ? (v * n) / (n - 1) : v);
      }
      invStd[j] = 1 / Math.sqrt(v + eps);
    }
  } else {
    for (let j = 0; j < d; j++) {
      mean[j] = state.runningMean[j];
      invStd[j] = 1 / Math.sqrt(state.runningVar[j] + eps);
    }
  }
  for (let i = 0; i < n; i++) {
    const off = i * d;
    for (let j = 0; j < d; j++) {
      const x = (a[off + j] - mean[j]) * invStd[j];
      xhat[off + j] = x;
      h[off + j] = gamma[j] * x + beta[j];
    }
  }
}

/**
 * Backward through batchnorm, in place: dh (n x d) becomes da. Accumulates dgamma, dbeta when given.
 * Train mode: da = invStd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = gamma * dh.
 */
export function batchnormBackward(
  dh: Float64Array,
  n: number,
  d: number,
  xhat: Float64Array,
  gamma: Float64Array,
  cache: BatchnormCache,
  dgamma: Float64Array | null,
  dbeta: Float64Array | null,
  train: boolean,
  scratch: Float64Array,
): void {
  const { invStd } = cache;
  const sumD = scratch.subarray(0, d).fill(0);
  const sumDX = scratch.subarray(d, 2 * d).fill(0);
  for (let i = 0; i < n; i++) {
    const off = i * d;
    for (let j = 0; j < d; j++) {
      const g = dh[off + j];
      sumD[j] += g;
      sumDX[j] += g * xhat[off + j];
    }
  }
  if (dgamma) for (let j = 0; j < d; j++) dgamma[j] = sumDX[j];
  if (dbeta) for (let j = 0; j < d; j++) dbeta[j] = sumD[j];
  if (train) {
    for (let j = 0; j < d; j++) {
      sumD[j] /= n;
      sumDX[j] /= n;
    }
    for (let i = 0; i < n; i++) {
      const off = i * d;
      for (let j = 0; j < d; j++) dh[off + j] = gamma[j] * invStd[j] * (dh[off + j] - sumD[j] - xhat[off + j] * sumDX[j]);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const off = i * d;
      for (let j = 0; j < d; j++) dh[off + j] *= gamma[j] * invStd[j];
    }
  }
}
