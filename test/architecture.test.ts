// Layers point one way (DESIGN.md, "Architecture"): nothing under src/ imports experiments/ or the CLI layer
// (src/commands/, src/cli.ts), except the CLI layer itself, which wires the experiments to the command line;
// src/linalg/ imports nothing of the project outside src/linalg/.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'build' ? [] : sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** Every module specifier of a source text: static imports and re-exports (also `import type`), side-effect imports and import(). */
export function importSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1]);
  return found;
}

/** Project-relative paths that the file's relative imports resolve to (package imports are left out). */
function importedPaths(file: string): string[] {
  return importSpecifiers(readFileSync(file, 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) =>
      relative(root, resolve(dirname(file), s))
        .split('\\')
        .join('/'),
    );
}

const cliLayer = (path: string) => path.startsWith('src/commands/') || path === 'src/cli.ts';

describe('architecture', () => {
  it('parses the import forms the project uses', () => {
    const text = [
      "import { a, type B } from '../x.ts';",
      "import type { C } from './y.ts';",
      "export * from './z.ts';",
      "export { d } from '../../experiments/e.ts';",
      "import {\n  f,\n  g,\n} from './multi.ts';",
      "import './side.ts';",
      "const m = await import('../lazy.ts');",
      "// import { no } from './comment.ts';",
    ].join('\n');
    expect(importSpecifiers(text)).toEqual(['../x.ts', './y.ts', './z.ts', '../../experiments/e.ts', './multi.ts', './side.ts', '../lazy.ts']);
  });

  const files = sourceFiles(join(root, 'src')).map((f) => ({ file: relative(root, f).split('\\').join('/'), imports: importedPaths(f) }));

  it('finds the sources', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.file === 'src/runner/run.ts')).toBe(true);
  });

  it('no module under src/ outside the CLI layer imports experiments/ or src/commands/ or src/cli.ts', () => {
    const upward = files
      .filter((f) => !cliLayer(f.file))
      .flatMap((f) => f.imports.filter((p) => p.startsWith('experiments/') || cliLayer(p)).map((p) => `${f.file} -> ${p}`));
    expect(upward).toEqual([]);
  });

  it('src/linalg/ imports nothing of the project outside src/linalg/', () => {
    const out = files
      .filter((f) => f.file.startsWith('src/linalg/'))
      .flatMap((f) => f.imports.filter((p) => !p.startsWith('src/linalg/')).map((p) => `${f.file} -> ${p}`));
    expect(out).toEqual([]);
  });
});
