// Entry point of the `nrc` command (src/bin/nrc.js loads this through tsx).
import { main } from './commands/program.ts';

process.exitCode = await main(process.argv.slice(2));
