import { singularValues, svd } from '../../src/linalg/index.ts';
import { Rng } from '../../src/random/index.ts';
import { collapsedMinimiser } from '../../src/bounds/ufm.ts';
import { randomOrthonormal } from '../../src/ufm/flow.ts';
import { block, perturbationMatrixExact, perturbationMatrix } from '../../src/ufm/perturbation.ts';
import { writeFileSync } from 'node:fs';
const K = 4, n = 10, d = 10, lambdaW = Math.SQRT2, beta = 100;
let found = 0;
for (const lambdaH of [0.05, 0.1, 0.2, 0.3, 0.5, 0.7]) for (let seed = 0; seed < 6; seed++) {
const R = randomOrthonormal(new Rng(seed).child('R'), d, K);
const { H, W } = collapsedMinimiser(K, n, d, lambdaH, lambdaW, R);
const cfg = { K, n, d, lambdaH, lambdaW, beta, H0: H };
for (const [name, F] of [['exact', perturbationMatrixExact(W, H, cfg)], ['F', perturbationMatrix(W, H, cfg)]] as const) {
  for (let k = 0; k < K; k++) for (let kp = 0; kp < K; kp++) {
    const B = block(F, d, n, k, kp);
    const s = singularValues(B);
    const nan = s.filter(Number.isNaN).length;
    if (nan) { console.log(lambdaH, seed, name, k, kp, 'nan', nan, svd(B).S.slice(0, 3)); if (!found++) writeFileSync(`/tmp/me/B.json`, JSON.stringify(Array.from(B.data))); }
  }
}
}
console.log('found', found);
