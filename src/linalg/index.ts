// Public surface of the numerical core: everything above linalg/ imports from here.
export * from './matrix.ts';
export * from './gemm.ts';
export * from './ops.ts';
export * from './norms.ts';
export * from './svd.ts';
export * from './eig.ts';
export * from './factor.ts';
export * from './kron.ts';
export * from './triangular.ts';
export * from './qr.ts';
export * from './fast.ts';
export * from './reduce.ts';
export * from './layers.ts';
export * from './resident.ts';
