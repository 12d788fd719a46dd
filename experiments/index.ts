// Every experiment nrc knows, in the order `nrc list` shows them. Each entry names the experiment's file, which is
// loaded only when a command needs it (`nrc list`, `nrc --version` and `nrc run NAME --help` load no other experiment).
// `summary` is the one line of `nrc list`; test/experiments/catalog.test.ts checks it against the experiment's own.
import type { Experiment } from '../src/runner/types.ts';

export interface CatalogEntry {
  name: string;
  /** One line for `nrc list` (the experiment's `summary`). */
  summary: string;
  load(): Promise<Experiment>;
}

/** The default export of an experiment module, as the runner sees it (parameter types erased). */
const erase = (m: { default: unknown }): Experiment => m.default as Experiment;

export const catalog: CatalogEntry[] = [
  // Neural Rank Collapse
  {
    name: 'gaussian-mixture',
    summary: 'Figure 1, Prop. 4.1 and Thm 3.4 of Neural Rank Collapse: tanh autoencoder with weight decay on Gaussian blobs',
    load: async () => erase(await import('./gaussian-mixture.ts')),
  },
  {
    name: 'gradient-rank',
    summary: 'Prop. 3.1 of Neural Rank Collapse: batch gradients have rank <= batch size; degenerate data gives layers of rank <= K',
    load: async () => erase(await import('./gradient-rank.ts')),
  },
  {
    name: 'deep-linear',
    summary: 'Figure 2, Thm 5.3 and Thm 5.4 of Neural Rank Collapse: deep linear autoencoder on full vs centroid loss, closed forms',
    load: async () => erase(await import('./deep-linear.ts')),
  },
  {
    name: 'mnist-collapse',
    summary: 'Singular-value tails e(r) and class TCV per layer while an MLP trains on MNIST (NRC Sec. 6.3, Fig. 3)',
    load: async () => erase(await import('./mnist-collapse.ts')),
  },
  {
    name: 'width-depth',
    summary: 'Soft rank rk(0.1) of each layer after training vs width and vs depth on MNIST (NRC Sec. 6.4, Figs. 4-5)',
    load: async () => erase(await import('./width-depth.ts')),
  },
  // AGOP as a mechanism for deep neural collapse
  {
    name: 'deep-rfm',
    summary: 'Deep RFM (AGOP paper, Algorithm 1): NC1/NC2 per layer and stage, KRR accuracy, linearised Gram recursion',
    load: async () => erase(await import('./deep-rfm.ts')),
  },
  {
    name: 'nn-decomposition',
    summary: 'AGOP paper Sec. 5: NC1 of layer input, S V^T x and relu(U S V^T x) per layer of a trained MLP; Neural Feature Ansatz',
    load: async () => erase(await import('./nn-decomposition.ts')),
  },
  // Perturbation analysis of neural collapse
  {
    name: 'ufm',
    summary: 'Perturbation paper Eq. 1/2: UFM minimiser vs Theorem 2.1 (collapse, rho, W ~ Hbar^T, zero for c > 1)',
    load: async () => erase(await import('./ufm.ts')),
  },
  {
    name: 'central-path',
    summary: 'Perturbation paper Thm 3.1 / Cor 3.2: NC1~ and e^{2 lambda_H t} tr Sigma_W/B along the central-path flow (Eq. 4)',
    load: async () => erase(await import('./central-path.ts')),
  },
  {
    name: 'perturbation',
    summary: "Perturbation paper Eq. 5 / Thm 4.1-4.2 / App. D / Fig. 1: spectra of F_kk and F_kk' and the linearisation error",
    load: async () => erase(await import('./perturbation.ts')),
  },
  {
    name: 'layerwise',
    summary: 'Layer-wise training of a BN-ReLU MLP: NC1 and NC1~ of the deepest features vs depth (Tirer et al. Sec. 5, Fig. 2)',
    load: async () => erase(await import('./layerwise.ts')),
  },
  {
    name: 'wd-ablation',
    summary: 'Weight decay on feature vs last layer and NC1/NC2/NC3 of the deepest features, MLP on MNIST (Tirer et al. Table 1)',
    load: async () => erase(await import('./wd-ablation.ts')),
  },
  // The CLI-to-CSV path
  {
    name: 'svd-demo',
    summary: 'Singular values of a seeded Gaussian random matrix (checks the CLI-to-CSV path)',
    load: async () => erase(await import('./svd-demo.ts')),
  },
];

/** Names of all experiments (no module is loaded). */
export const experimentNames: string[] = catalog.map((e) => e.name);

/** The experiment named `name`, loaded; undefined if there is none. */
export async function findExperiment(name: string): Promise<Experiment | undefined> {
  return catalog.find((e) => e.name === name)?.load();
}

/** Every experiment, loaded (tests, `nrc check`). */
export async function loadExperiments(): Promise<Experiment[]> {
  return Promise.all(catalog.map((e) => e.load()));
}
