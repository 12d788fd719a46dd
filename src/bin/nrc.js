#!/usr/bin/env node
// The `nrc` command: runs the TypeScript sources (src/cli.ts) through tsx, no build step.
// The startup signal handler comes first, before tsx is loaded (that takes a moment).
import { installStartupSignals } from './startup-signals.js';
import { prepareV8Flags } from './flags.js';

installStartupSignals();
prepareV8Flags();
const { register } = await import('tsx/esm/api');
register();
await import(new URL('../cli.ts', import.meta.url).href);
