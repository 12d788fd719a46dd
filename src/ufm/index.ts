// Unconstrained features model of Tirer et al. (perturbation paper): Eq. 1/2, solver, central path (Eq. 4), F (Eq. 5).
export * from './model.ts';
export * from './solver.ts';
export * from './flow.ts';
export * from './perturbation.ts';
