import { describe, expect, it } from 'vitest';
import { cellKey, columnName, expandGrid, flagName, parseOption, parseSeeds, resolveParams } from '../../src/runner/params.ts';
import { defineExperiment, type Experiment, type ParamSpec } from '../../src/runner/types.ts';
import { UsageError } from '../../src/runner/errors.ts';

const lambda: ParamSpec = { name: 'lambda', kind: 'float', grid: true, positive: true, default: 1e-3, help: 'weight decay' };
const hidden: ParamSpec = { name: 'hidden', kind: 'ints', grid: true, positive: true, default: [4, 3], help: 'widths' };
const k: ParamSpec = { name: 'k', kind: 'int', min: 2, default: 3, help: 'classes' };
const opt: ParamSpec = { name: 'optimizer', kind: 'string', choices: ['gd', 'lbfgs'], default: 'lbfgs', help: 'optimiser' };

const toy = defineExperiment({
  name: 'toy',
  summary: 's',
  description: 'd',
  params: [lambda, { name: 'sigma', kind: 'float', grid: true, min: 0, default: 0.1, help: 'noise' }, hidden, k],
  presets: { quick: { lambda: [1e-2, 1e-1] }, default: {}, paper: { hidden: [[8, 8], [4]] } },
  tables: { t: ['lambda', 'seed'] },
  runCell: () => ({ status: 'ok', rows: {} }),
}) as Experiment;

describe('names', () => {
  it('maps camelCase to flags and columns', () => {
    expect(flagName('gradTol')).toBe('grad-tol');
    expect(columnName('gradTol')).toBe('grad_tol');
    expect(flagName('k')).toBe('k');
  });
});

describe('parseOption', () => {
  it('parses lists of numbers for grid axes', () => {
    expect(parseOption(lambda, '1e-4,1e-3, 0.5')).toEqual([1e-4, 1e-3, 0.5]);
  });
  it('parses int lists, and several lists separated by ;', () => {
    expect(parseOption(hidden, '400,300,400')).toEqual([[400, 300, 400]]);
    expect(parseOption(hidden, '8,8;4')).toEqual([[8, 8], [4]]);
  });
  it('rejects what is not accepted, naming the option', () => {
    const cases: [ParamSpec, string, RegExp][] = [
      [lambda, 'abc', /--lambda "abc": expected a number > 0/],
      [lambda, 'NaN', /--lambda/],
      [lambda, '-1', /--lambda "-1"/],
      [lambda, '0', /--lambda "0"/],
      [lambda, '1e-3,1e-3', /repeats a value/],
      [k, '2.5', /--k "2.5": expected an integer >= 2/],
      [k, '1', /--k "1"/],
      [k, '3,4', /does not take a list/],
      [hidden, '4,,3', /--hidden/],
      [hidden, '4,0', /--hidden "4,0"/],
      [opt, 'adam', /one of gd, lbfgs/],
    ];
    for (const [spec, text, msg] of cases) {
      expect(() => parseOption(spec, text), text).toThrow(UsageError);
      expect(() => parseOption(spec, text), text).toThrow(msg);
    }
  });
});

describe('grid', () => {
  it('applies defaults, preset, then options', () => {
    const r = resolveParams(toy, 'quick', { sigma: '0,0.5' });
    expect(r.lambda).toEqual([1e-2, 1e-1]);
    expect(r.sigma).toEqual([0, 0.5]);
    expect(r.hidden).toEqual([[4, 3]]);
    expect(resolveParams(toy, 'paper', {}).hidden).toEqual([[8, 8], [4]]);
    expect(() => resolveParams(toy, 'huge', {})).toThrow(/--preset "huge": expected one of quick, default, paper/);
  });
  it('expands every combination with seeds innermost, first parameter slowest', () => {
    const r = resolveParams(toy, 'quick', { sigma: '0,0.5' });
    const cells = expandGrid(toy, r, [1, 2]);
    expect(cells).toHaveLength(2 * 2 * 2);
    expect(cells.map((c) => [c.params.lambda, c.params.sigma, c.seed])).toEqual([
      [1e-2, 0, 1],
      [1e-2, 0, 2],
      [1e-2, 0.5, 1],
      [1e-2, 0.5, 2],
      [1e-1, 0, 1],
      [1e-1, 0, 2],
      [1e-1, 0.5, 1],
      [1e-1, 0.5, 2],
    ]);
    expect(cells.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
  it('keys a cell by its values, not its position, so it re-runs alone with the same seed', () => {
    const whole = expandGrid(toy, resolveParams(toy, 'quick', {}), [0]);
    const alone = expandGrid(toy, resolveParams(toy, 'default', { lambda: '0.1' }), [0]);
    expect(alone[0].key).toBe(whole[1].key);
    expect(cellKey(toy, whole[1].params, 0)).toBe(whole[1].key);
  });
  it('parses seeds and repeats', () => {
    expect(parseSeeds('5', '3')).toEqual([5, 6, 7]);
    expect(parseSeeds('1,10', '2')).toEqual([1, 2, 10, 11]);
    expect(() => parseSeeds('x', '1')).toThrow(/--seed "x"/);
    expect(() => parseSeeds('1', '0')).toThrow(/--seeds "0"/);
    expect(() => parseSeeds('1,2', '2')).toThrow(/repeats a seed/);
  });
});
