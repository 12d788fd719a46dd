// Entry point of the `nrc` command (src/bin/nrc.js loads this through tsx).
import { main } from './commands/program.ts';

// A reader that stops early (`nrc list | head -1`) ends nrc quietly, not with an EPIPE stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
