// The data and training options of the MNIST network experiments as ParamSpecs (library parts: src/nn/mnist-training.ts).
import { TARGET_ENCODINGS } from '../../src/nn/mnist-training.ts';
import type { ParamSpec } from '../../src/runner/types.ts';

const POOLS = [1, 2, 4, 7, 8, 14, 16, 28, 32]; // divisors of 28 (MNIST) or of 32 (CIFAR-10), checked against the data in validate

/** --n, --n-test, --pool, --data-dir (defaults are the experiment's; override per experiment through presets). */
export function mnistDataParams(defaults: { n: number; nTest: number; pool: number }): ParamSpec[] {
  return [
    { name: 'n', kind: 'int', positive: true, max: 60000, default: defaults.n, help: 'training samples (stratified subset)' },
    { name: 'nTest', kind: 'int', min: 0, max: 10000, default: defaults.nTest, help: 'test samples (disjoint from the training ones)' },
    {
      name: 'pool',
      kind: 'int',
      default: defaults.pool,
      help: 'average-pooling window: 1 = 28x28 = 784 inputs, 2 = 14x14 = 196, 4 = 7x7 = 49 (CIFAR-10: per channel, 3 x (32/pool)^2 inputs)',
      check: (v) => (POOLS.includes(v as number) ? undefined : `must divide 28 or 32 (one of ${POOLS.join(', ')})`),
    },
    {
      name: 'dataDir',
      kind: 'string',
      default: 'none',
      help:
        'directory with the four MNIST / Fashion-MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, ' +
        't10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each may be .gz) or the CIFAR-10 binary batches (data_batch_1..5.bin, ' +
        'test_batch.bin); none = the 10,000 digits of the mnist package',
    },
  ];
}

/** --epochs, --lr, --batch-size, --optimizer, --momentum, --loss, --dtype, --targets. */
export function mnistTrainingParams(defaults: { epochs: number; lr: number; batchSize: number; targets?: 'onehot' | 'pm1' }): ParamSpec[] {
  return [
    { name: 'epochs', kind: 'int', min: 0, max: 1e6, default: defaults.epochs, help: 'training epochs (passes over the training set)' },
    { name: 'lr', kind: 'float', positive: true, default: defaults.lr, help: 'learning rate' },
    { name: 'batchSize', kind: 'int', positive: true, default: defaults.batchSize, help: 'mini-batch size' },
    { name: 'optimizer', kind: 'string', choices: ['sgd', 'adam'], default: 'sgd', help: 'sgd (with --momentum, PyTorch semantics) or adam' },
    { name: 'momentum', kind: 'float', min: 0, max: 0.999, default: 0.9, help: 'SGD momentum (heavy ball)' },
    {
      name: 'loss',
      kind: 'string',
      choices: ['squared', 'mse', 'cross-entropy'],
      default: 'squared',
      help: 'data loss: squared = (1/N) sum ||f(x) - y||^2 with one-hot y (NRC Eq. 3), mse (mean over entries) or cross-entropy',
    },
    {
      name: 'dtype',
      kind: 'string',
      choices: ['f64', 'f32'],
      default: 'f64',
      help: "precision of the network's forward and backward (f32: float32 products and activations; SGD then keeps float32 parameters and velocity; losses, metrics, SVDs and bounds stay float64)",
    },
    {
      name: 'targets',
      kind: 'string',
      choices: TARGET_ENCODINGS,
      default: defaults.targets ?? 'onehot',
      help: 'target encoding of the squared losses: onehot (1 for the class, 0 elsewhere; NRC Eq. 3) or pm1 (+1 for the class, -1 elsewhere; AGOP App. C)',
    },
  ];
}
