// Closed-form claims checked on small seeded instances: NRC Theorems 5.3 and 5.4 (shallow linear
// model on Gaussian-mixture data), AGOP paper Prop. A.1 and the AGOP of a linear map.
import { theorem53, theorem54 } from '../bounds/nrc.ts';
import { gaussianMixture } from '../data/gaussian-mixture.ts';
import { checkAgopLinear, checkPropA1 } from './kernel-checks.ts';
import { Rng } from '../random/index.ts';
import { checkRow, type CheckRow, type Claim } from './types.ts';

function mixture(sigma: number, seed: number, n = 200, dim = 12, k = 4) {
  return gaussianMixture({ k, n, dim, sigma, radius: 1 }, new Rng(`check/mixture/${seed}/${sigma}`));
}

function linearGrid(full: boolean): { lambda: number; sigma: number; seed: number }[] {
  const lambdas = full ? [1e-4, 1e-3, 1e-2, 1e-1, 1] : [1e-3, 1e-2, 1e-1];
  const sigmas = full ? [0.01, 0.05, 0.2, 0.5, 1] : [0.05, 0.2, 0.5];
  const seeds = full ? [0, 1, 2] : [0];
  return lambdas.flatMap((lambda) => sigmas.flatMap((sigma) => seeds.map((seed) => ({ lambda, sigma, seed }))));
}

function theorem53Claim(full: boolean): Claim {
  return {
    id: `nrc:theorem5.3${full ? ':full' : ''}`,
    full,
    run(): CheckRow[] {
      return linearGrid(full).map(({ lambda, sigma, seed }) => {
        const dataset = mixture(sigma, seed);
        // Autoencoder targets (Y = X), mixture-component partition.
        const t = theorem53(dataset.X, dataset.X, dataset.labels, lambda);
        return checkRow(
          'NRC Thm 5.3 ||theta*-theta*_C||',
          `N=200 d=12 K=4 lambda=${lambda} sigma=${sigma} seed=${seed}`,
          t.distance,
          '<=',
          t.bound,
          1e-12,
        );
      });
    },
  };
}

function theorem54Claim(full: boolean): Claim {
  return {
    id: `nrc:theorem5.4${full ? ':full' : ''}`,
    full,
    run(): CheckRow[] {
      return linearGrid(full).map(({ lambda, sigma, seed }) => {
        const dataset = mixture(sigma, seed);
        const t = theorem54(dataset.X, dataset.X, 4, lambda, { assignment: dataset.labels });
        return checkRow(
          'NRC Thm 5.4 ||theta*-theta*_K||^2',
          `N=200 d=c=12 K=4 lambda=${lambda} sigma=${sigma} seed=${seed}`,
          t.distanceSquared,
          '<=',
          t.bound,
          1e-12,
        );
      });
    },
  };
}

const propA1: Claim = {
  id: 'agop:propA.1',
  run(): CheckRow[] {
    return [0.9, 0.3, -0.5].map((r) => {
      const res = checkPropA1(new Rng(`check/propA1/${r}`), { r, d: 20, D: 64, trials: 2000 });
      // Monte-Carlo mean vs the closed form, in standard errors.
      return checkRow(
        'AGOP Prop A.1 E[relu(Wx)relu(Wy)] (|z|)',
        `r=${r} D=64 trials=2000`,
        Math.abs(res.measured - res.expected) / res.standardError,
        '<=',
        4,
        0,
      );
    });
  },
};

const agopLinear: Claim = {
  id: 'agop:linear',
  run(): CheckRow[] {
    const res = checkAgopLinear(new Rng('check/agop-linear'), { K: 3, d: 6, N: 50 });
    return [checkRow('AGOP of f(x)=Ax equals A^T A (max |diff|)', 'K=3 d=6 N=50', res.maxAbsDiff, '<=', 1e-12 * res.expected, 0)];
  },
};

export const theoryClaims: Claim[] = [theorem53Claim(false), theorem53Claim(true), theorem54Claim(false), theorem54Claim(true), propA1, agopLinear];
