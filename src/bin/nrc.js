#!/usr/bin/env node
// The `nrc` command: runs the TypeScript sources (src/cli.ts) through tsx, no build step.
import { prepareV8Flags } from './flags.js';
import { register } from 'tsx/esm/api';

prepareV8Flags();
register();
await import(new URL('../cli.ts', import.meta.url).href);
