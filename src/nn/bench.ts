// Timing of one full-batch loss + gradient evaluation (for `npm run bench`).
import { Matrix } from '../linalg/index.ts';
import { Rng } from '../random/index.ts';
import type { Activation } from './activations.ts';
import { MLP } from './mlp.ts';
import { Objective } from './objective.ts';

/** Seconds per forward + backward pass of an MLP with the given widths on a batch of n random samples (squared loss). */
export function secondsPerGradientStep(widths: number[], n: number, activation: Activation = 'tanh', reps = 2): number {
  const rng = new Rng('bench');
  const X = new Matrix(n, widths[0], rng.normals(n * widths[0]));
  const Y = new Matrix(n, widths.at(-1)!, rng.normals(n * widths.at(-1)!));
  const model = new MLP({ widths, activation }, rng.child('model'));
  const obj = new Objective(model, X, Y, { loss: 'squared', weightDecay: 1e-3, staticData: true }); // as full-batch training
  const g = new Float64Array(obj.size);
  obj.valueAndGrad(null, g); // warm-up, allocates the workspace
  const t0 = performance.now();
  for (let r = 0; r < reps; r++) obj.valueAndGrad(null, g);
  return (performance.now() - t0) / reps / 1000;
}
