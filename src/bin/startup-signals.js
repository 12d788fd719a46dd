// Ctrl-C (SIGINT) or SIGTERM while no command handles it, above all while nrc is still starting
// (loading its sources, checking the input, when nothing has been written yet): nrc ends at once
// with the documented exit code, 128 + the signal number (SIGINT 130, SIGTERM 143; as
// src/runner/signals.ts), and a one-line message. While a command has its own handler
// (nrc run: finish or drop the running cell, keep every committed one, print the resume command),
// this one steps aside. Results files are written whole or not at all, so ending here loses nothing.
export const EXIT_INTERRUPTED = { SIGINT: 130, SIGTERM: 143 };

export function installStartupSignals() {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    const onSignal = () => {
      if (process.listenerCount(signal) > 1) return; // a command handles it
      if (globalThis[Symbol.for('nrc.stopped')]) return; // a command was stopped by it and is ending with its code
      process.stderr.write(
        `\nnrc: interrupted (${signal}) with no cell running; every committed result is kept: run the same command again to finish (exit code ${EXIT_INTERRUPTED[signal]})\n`,
      );
      process.exit(EXIT_INTERRUPTED[signal]);
    };
    process.on(signal, onSignal);
  }
}
