// Kernels, kernel ridge regression, AGOP, random features and Deep RFM (AGOP paper; DESIGN.md "src/kernels/").
export * from './kernel.ts';
export * from './krr.ts';
export * from './agop.ts';
export * from './features.ts';
export * from './deep-rfm.ts';
export * from './linearized.ts';
