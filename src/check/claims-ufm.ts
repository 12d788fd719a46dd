// Perturbation-paper claims on small exact cases: Theorem 2.1 (UFM minimiser), Theorem 3.1 (central
// path monotonicity), Corollary 3.2, Theorem 4.1 (F against finite differences), Theorem 4.2 / App. D.
import { checkCorollary32, checkTheorem21, checkTheorem31, checkTheorem41, checkTheorem42 } from './ufm-checks.ts';
import { checkRow, type CheckRow, type Claim } from './types.ts';

const theorem21: Claim = {
  id: 'perturbation:theorem2.1',
  run(): CheckRow[] {
    return [
      [0.5, 1],
      [0.2, 2],
      [1.5, 1],
    ].flatMap(([lambdaH, lambdaW]) => {
      const r = checkTheorem21({ K: 3, n: 4, d: 5, lambdaH, lambdaW, seed: 0 });
      const cfg = `K=3 n=4 d=5 lambda_H=${lambdaH} lambda_W=${lambdaW} (c=${Math.sqrt(lambdaH * lambdaW).toFixed(3)})`;
      return [
        checkRow('Tirer Thm 2.1 rho (mean ||hbar_k||^2)', cfg, r.measured, '~=', r.expected, 1e-8),
        checkRow('Tirer Thm 2.1 ||Hbar^T Hbar - rho I||', cfg, r.gramError, '<=', 1e-8, 0),
        checkRow('Tirer Thm 2.1 collapse tr Sigma_W', cfg, r.traceSigmaW, '<=', 1e-12, 0),
      ];
    });
  },
};

const theorem42: Claim = {
  id: 'perturbation:theorem4.2',
  run(): CheckRow[] {
    const cfg = { K: 4, n: 10, d: 10, lambdaH: 0.3, lambdaW: Math.SQRT2, beta: 100, seed: 0 };
    const r = checkTheorem42(cfg);
    const text = 'Fig. 1 setting: K=4 n=10 d=10 lambda_H=0.3 lambda_W=sqrt2 beta=100';
    return [
      checkRow('Tirer Thm 4.2 sigma_max(F_kk) = 1', text, r.sigmaMaxIntra.measured, '~=', r.sigmaMaxIntra.expected, 1e-12),
      checkRow('Tirer Thm 4.2 sigma_min(F_kk)', text, r.sigmaMinIntra.measured, '~=', r.sigmaMinIntra.expected, 1e-12),
      checkRow("Tirer Thm 4.2 sigma_max(F_kk')", text, r.sigmaMaxInter.measured, '~=', r.sigmaMaxInter.expected, 1e-10),
      checkRow("Tirer Thm 4.2 rank F_kk' = 1", text, r.interRank.measured, '~=', r.interRank.expected, 0),
      checkRow('Tirer App. D full spectra (max |diff|)', text, r.spectrumError.measured, '<=', 1e-12, 0),
    ];
  },
};

const theorem41: Claim = {
  id: 'perturbation:theorem4.1',
  run(): CheckRow[] {
    return [100, 1000].map((beta) => {
      const r = checkTheorem41({ K: 2, n: 2, d: 3, lambdaH: 0.3, lambdaW: 1, beta, seed: 0 });
      return checkRow('Tirer Thm 4.1 exact operator vs finite differences (rel)', `K=2 n=2 d=3 beta=${beta}`, r.measured, '<=', 1e-8, 0);
    });
  },
};

const theorem31: Claim = {
  id: 'perturbation:theorem3.1',
  run(): CheckRow[] {
    const r = checkTheorem31({ K: 3, n: 5, d: 6, lambdaH: 0.05, lambdaW: 0.5, seed: 0, tEnd: 5 });
    const cfg = 'K=3 n=5 d=6 lambda_H=0.05 lambda_W=0.5 t in [0,5]';
    const c32 = checkCorollary32({ K: 3, n: 5, d: 6, lambdaH: 0.05, lambdaW: 0.5, beta: 100, seed: 0 });
    return [
      checkRow('Tirer Thm 3.1 NC1~ decreasing (1 = yes)', cfg, r.nc1TraceDecreasing.measured, '~=', 1, 0),
      checkRow('Tirer Thm 3.1 e^{2 lambda_H t} tr Sigma_W decreasing', cfg, r.twDecreasing.measured, '~=', 1, 0),
      checkRow('Tirer Thm 3.1 e^{2 lambda_H t} tr Sigma_B increasing', cfg, r.tbIncreasing.measured, '~=', 1, 0),
      checkRow('Tirer Cor 3.2 NC1~(minimiser) < NC1~(H0)', `${cfg.replace(' t in [0,5]', '')} beta=100`, c32.measured, '<=', c32.expected, 0),
    ];
  },
};

export const ufmClaims: Claim[] = [theorem21, theorem31, theorem41, theorem42];
