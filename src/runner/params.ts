// Experiment parameters: CLI text -> validated values (zod schemas built from the declarations),
// presets, and the grid of cells (DESIGN.md, "CLI": list-valued options form a grid).
import { z } from 'zod';
import { isIntegerText, parseDecimal } from '../io/number.ts';
import { Rng } from '../random/index.ts';
import { UsageError } from './errors.ts';
import type { CellParams, Experiment, ParamSpec, ParamValue } from './types.ts';

/** gradTol -> grad-tol */
export function flagName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** grad_tol column name of a parameter. */
export function columnName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** What a parameter accepts, in words, for error messages and --help. */
export function accepted(spec: ParamSpec): string {
  const bounds: string[] = [];
  if (spec.positive) bounds.push('> 0');
  if (spec.min !== undefined) bounds.push(`>= ${spec.min}`);
  if (spec.max !== undefined) bounds.push(`<= ${spec.max}`);
  const b = bounds.length ? ` ${bounds.join(' and ')}` : '';
  switch (spec.kind) {
    case 'float':
      return `a number${b}${spec.grid ? ' (or a comma-separated list)' : ''}`;
    case 'int':
      return `an integer${b}${spec.grid ? ' (or a comma-separated list)' : ''}`;
    case 'bool':
      return 'true or false';
    case 'string':
      return spec.choices ? `one of ${spec.choices.join(', ')}${spec.grid ? ' (or a comma-separated list)' : ''}` : 'a text';
    case 'ints':
      return `comma-separated integers${b}${spec.grid ? " (several lists separated by ';')" : ''}`;
  }
}

function numberSchema(spec: ParamSpec, integer: boolean) {
  let s = z.number().finite();
  if (integer) s = s.int();
  if (spec.positive) s = s.positive();
  if (spec.min !== undefined) s = s.min(spec.min);
  if (spec.max !== undefined) s = s.max(spec.max);
  return s;
}

/** zod schema of ONE value of a parameter (a grid axis is an array of these). */
export function valueSchema(spec: ParamSpec): z.ZodType<ParamValue> {
  let base: z.ZodType<ParamValue>;
  switch (spec.kind) {
    case 'float':
      base = numberSchema(spec, false);
      break;
    case 'int':
      base = numberSchema(spec, true);
      break;
    case 'bool':
      base = z.boolean();
      break;
    case 'string':
      base = spec.choices ? z.enum(spec.choices as [string, ...string[]]) : z.string().min(1);
      break;
    case 'ints':
      base = z.array(numberSchema(spec, true)).min(1);
      break;
  }
  const check = spec.check;
  return check
    ? base.superRefine((v, ctx) => {
        const msg = check(v);
        if (msg) ctx.addIssue({ code: 'custom', message: msg });
      })
    : base;
}

function bad(spec: ParamSpec, text: string, why?: string): UsageError {
  return new UsageError(`--${flagName(spec.name)} ${JSON.stringify(text)}: ${why ?? `expected ${accepted(spec)}`}`);
}

/** Parse one value's text (no grid splitting). */
function parseScalar(spec: ParamSpec, text: string): ParamValue {
  const t = text.trim();
  switch (spec.kind) {
    case 'float':
    case 'int': {
      const n = parseDecimal(t);
      if (!n.ok) throw bad(spec, text, n.why === 'not a decimal number' ? undefined : `${n.why}; expected ${accepted(spec)}`);
      return n.value;
    }
    case 'bool':
      if (/^(true|1|yes)$/i.test(t)) return true;
      if (/^(false|0|no)$/i.test(t)) return false;
      throw bad(spec, text);
    case 'string':
      return t;
    case 'ints': {
      const parts = t.split(/[,x]/).map((p) => p.trim());
      if (parts.some((p) => !/^[+-]?\d+$/.test(p))) throw bad(spec, text);
      return parts.map(Number);
    }
  }
}

/** Validate one value against the declaration; throws UsageError naming the option. */
export function checkValue(spec: ParamSpec, value: ParamValue, text = String(value)): ParamValue {
  const r = valueSchema(spec).safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const custom = issue?.code === 'custom' ? issue.message : undefined;
    throw bad(spec, text, custom ? custom : `expected ${accepted(spec)}`);
  }
  return r.data;
}

/** Parse the option text into the list of values it stands for (one value unless it is a grid axis). */
export function parseOption(spec: ParamSpec, text: string): ParamValue[] {
  if (text.trim() === '') throw bad(spec, text);
  const sep = spec.kind === 'ints' ? ';' : ',';
  const pieces = spec.grid ? text.split(sep) : [text];
  if (!spec.grid && spec.kind !== 'ints' && spec.kind !== 'string' && text.includes(',')) {
    throw bad(spec, text, `expected ${accepted(spec)}; this option does not take a list`);
  }
  const values = pieces.map((p) => {
    try {
      return checkValue(spec, parseScalar(spec, p), p);
    } catch (e) {
      if (pieces.length === 1) throw e;
      throw bad(spec, text, `item ${JSON.stringify(p)} is not accepted: expected ${accepted(spec)}`);
    }
  });
  const keys = values.map((v) => JSON.stringify(v));
  if (new Set(keys).size !== keys.length) throw bad(spec, text, 'the list repeats a value');
  return values;
}

/** Resolved parameters: every parameter as a list of values (length 1 unless it is a grid axis). */
export type ResolvedParams = Record<string, ParamValue[]>;

/** Defaults, then the preset, then the options the user gave (texts as typed). */
export function resolveParams(exp: Experiment, preset: string, given: Record<string, string | boolean | undefined>): ResolvedParams {
  const presetValues = Object.hasOwn(exp.presets, preset) ? exp.presets[preset] : undefined;
  if (!presetValues) {
    throw new UsageError(`--preset ${JSON.stringify(preset)}: expected one of ${Object.keys(exp.presets).join(', ')}`);
  }
  const out: ResolvedParams = {};
  for (const spec of exp.params) {
    const raw = Object.hasOwn(presetValues, spec.name) ? presetValues[spec.name] : spec.default;
    const list =
      spec.kind === 'ints'
        ? Array.isArray(raw) && Array.isArray(raw[0])
          ? (raw as ParamValue[])
          : [raw as ParamValue]
        : Array.isArray(raw)
          ? (raw as ParamValue[])
          : [raw as ParamValue];
    out[spec.name] = list.map((v) => checkValue(spec, v));
  }
  for (const unknown of Object.keys(presetValues)) {
    if (!exp.params.some((s) => s.name === unknown)) throw new Error(`preset ${preset} of ${exp.name} sets unknown parameter ${unknown}`);
  }
  for (const spec of exp.params) {
    const text = given[spec.name];
    if (text === undefined) continue;
    out[spec.name] = typeof text === 'boolean' ? [text] : parseOption(spec, text);
  }
  return out;
}

/** One cell of the grid. */
export interface Cell {
  index: number;
  seed: number;
  params: CellParams;
  /** Canonical text of (params, seed): identifies the cell across runs, shards and merges. */
  key: string;
}

/** Every combination of grid values (declaration order, first parameter slowest), seeds innermost. */
export function expandGrid(exp: Experiment, resolved: ResolvedParams, seeds: number[]): Cell[] {
  checkGridSize(exp, resolved, seeds.length);
  let combos: CellParams[] = [{}];
  for (const spec of exp.params) {
    const values = resolved[spec.name];
    const next: CellParams[] = [];
    for (const c of combos) for (const v of values) next.push({ ...c, [spec.name]: v });
    combos = next;
  }
  const cells: Cell[] = [];
  for (const params of combos) {
    for (const seed of seeds) {
      cells.push({ index: cells.length, seed, params, key: cellKey(exp, params, seed) });
    }
  }
  return cells;
}

/** Most cells (grid combinations x seeds) one sweep may have: beyond it, the plan alone would exhaust memory. */
export const MAX_CELLS = 1_000_000;

export function checkGridSize(exp: Experiment, resolved: ResolvedParams, seeds: number): void {
  const axes = exp.params.filter((s) => resolved[s.name].length > 1);
  const total = axes.reduce((n, s) => n * resolved[s.name].length, 1) * seeds;
  if (total > MAX_CELLS) {
    const sizes = axes.map((s) => `--${flagName(s.name)} ${resolved[s.name].length}`).concat(seeds > 1 ? [`seeds ${seeds}`] : []);
    throw new UsageError(
      `the grid has ${total} cells (${sizes.join(' x ')}); at most ${MAX_CELLS} are accepted: split it with --shard or fewer values`,
    );
  }
}

/** Canonical text of a cell: every parameter in declaration order, then the seed (stable across grids and shards). */
export function cellKey(exp: Pick<Experiment, 'params'>, params: CellParams, seed: number): string {
  return cellKeyOf(
    exp.params.map((s) => [s.name, params[s.name]]),
    seed,
  );
}

/** cellKey from (name, value) pairs already in the experiment's declaration order. */
export function cellKeyOf(entries: [string, CellParams[string]][], seed: number): string {
  return [...entries.map(([name, value]) => `${name}=${JSON.stringify(value)}`), `seed=${seed}`].join(';');
}

/** The random stream of a cell (ctx.rng): derived from its key, so a cell draws the same numbers in any grid, shard or test. */
export function cellRng(key: string): Rng {
  return new Rng(key);
}

/** Cross-parameter checks of every cell, before any work starts. */
export function validateCells(exp: Experiment, cells: Cell[]): void {
  if (!exp.validate) return;
  const seen = new Set<string>();
  for (const cell of cells) {
    const msg = exp.validate(cell.params);
    if (msg && !seen.has(msg)) throw new UsageError(msg);
    if (msg) seen.add(msg);
  }
}

/** Parse --seed (list) and --seeds (repeats): seeds s, s+1, ..., s+repeats-1 for each listed s. */
export function parseSeeds(seedText: string, repeatsText: string): number[] {
  const seeds: number[] = [];
  const repeats = Number(repeatsText);
  if (!isIntegerText(repeatsText) || repeats < 1) {
    throw new UsageError(`--seeds ${JSON.stringify(repeatsText)}: expected a whole number >= 1 (how many seeds from --seed on)`);
  }
  if (repeats > MAX_CELLS) throw new UsageError(`--seeds ${repeatsText}: at most ${MAX_CELLS} seeds are accepted`);
  for (const part of seedText.split(',')) {
    if (!isIntegerText(part) || Number(part) > 2 ** 31) {
      throw new UsageError(`--seed ${JSON.stringify(seedText)}: expected a whole number >= 0 (or a comma-separated list)`);
    }
    for (let r = 0; r < repeats; r++) seeds.push(Number(part) + r);
  }
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seed ${seedText} with --seeds ${repeatsText} repeats a seed`);
  return seeds;
}
