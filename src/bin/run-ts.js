#!/usr/bin/env node
// Run a TypeScript file through tsx with nrc's V8 flags: `node src/bin/run-ts.js FILE.ts [args]`
// (used by `npm run bench`). The script sees process.argv = [node, FILE.ts, ...args].
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prepareV8Flags } from './flags.js';
import { register } from 'tsx/esm/api';

const file = process.argv[2];
if (!file) {
  console.error('usage: node src/bin/run-ts.js FILE.ts [args...]');
  process.exit(2);
}
prepareV8Flags();
register();
const abs = resolve(process.cwd(), file);
process.argv = [process.argv[0], abs, ...process.argv.slice(3)];
await import(pathToFileURL(abs).href);
