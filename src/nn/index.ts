// Public surface of the training engine (DESIGN.md, "src/nn/").
export * from './activations.ts';
export * from './init.ts';
export * from './params.ts';
export * from './losses.ts';
export * from './batchnorm.ts';
export * from './mlp.ts';
export * from './precision.ts';
export * from './objective.ts';
export * from './optimizers.ts';
export * from './linesearch.ts';
export * from './train.ts';
export * from './minibatch.ts';
export * from './theory.ts';
export * from './jacobian.ts';
export * from './bench.ts';
