// Manual check: draw every fixture into /tmp/nrc-plot-look/<experiment>/ (npx tsx test/plot/render-all.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { drawFigures } from '../../src/plot/index.ts';
import { declaredFigures } from '../../src/commands/plot.ts';
import { FIXTURES } from './fixtures.ts';

const root = process.argv[2] ?? '/tmp/nrc-plot-look';
const only = process.argv.slice(3);
for (const [name, fx] of Object.entries(FIXTURES)) {
  if (only.length && !only.includes(name)) continue;
  const dir = join(root, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ experiment: name }));
  for (const [f, c] of Object.entries(fx.files())) writeFileSync(join(dir, f), c);
  const t = Date.now();
  const files = await drawFigures(dir, await declaredFigures(name), { format: 'both' });
  console.log(name, Date.now() - t, 'ms', files.map((f) => f.slice(dir.length + 1)).join(' '));
}
